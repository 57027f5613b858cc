// Idempotency answers carry when they were stored, and compactions drop them after kAnswerKeep:
// a real RocksDB in a temp dir, a real compaction.
#include <catch2/catch.hpp>

#include "engine/call_book.hpp"
#include "journal_loop.hpp"
#include "store/answer_records.hpp"
#include "store/journal.hpp"

using namespace callrouter;
using namespace callrouter::store;
using callrouter::testing::Loop;
using callrouter::testing::TempDir;

namespace {
const Timestamp kStored = Timestamp{} + std::chrono::hours(24 * 20'000);
}

TEST_CASE("an answer value reads back with its time; a version 1 value reads without one") {
  const std::string payload = "200\ntext/xml\n<Response/>";
  const auto stored_v2 = encode_answer_value(payload, kStored);  // the decoded payload views into it
  auto v2 = decode_answer_value(stored_v2);
  REQUIRE(v2);
  CHECK(v2->stored_at == kStored);
  CHECK(v2->payload == payload);
  const auto stored_v1 = encode_value(payload);
  auto v1 = decode_answer_value(stored_v1);
  REQUIRE(v1);
  CHECK_FALSE(v1->stored_at);
  CHECK(v1->payload == payload);
  CHECK_FALSE(decode_answer_value(std::string(1, kAnswerValueVersion) + "short"));
  CHECK_FALSE(decode_answer_value("\x03" "x"));
  CHECK_FALSE(decode_answer_value(""));
}

TEST_CASE("compactions drop answers stored before the answer cutoff, and only those") {
  TempDir dir;
  Loop loop;
  auto opened = Journal::open(dir.path, Durability::none, loop.post());
  REQUIRE(opened);
  auto& journal = **opened;
  const std::string payload = engine::encode_answer({200, "text/xml", "<Response/>"});
  const auto old_key = answer_key("demo", kVoiceAnswer, "CA-old");
  const auto fresh_key = answer_key("demo", kVoiceAnswer, "CA-fresh");
  const auto legacy_key = answer_key("demo", kTokenAnswer, "legacy");
  REQUIRE(journal.write_now({{Cf::idempotency, old_key, encode_answer_value(payload, kStored)},
                             {Cf::idempotency, fresh_key, encode_answer_value(payload, kStored + kAnswerKeep)},
                             {Cf::idempotency, legacy_key, encode_value(payload)}}));
  auto compact = [&] {
    bool done = false;
    REQUIRE(journal.start_compaction([&](Expected<Ok> r) {
      CHECK(r);
      done = true;
    }));
    loop.run_until([&] { return done; });
    REQUIRE(done);
  };
  // Before any cutoff is set nothing is dropped.
  compact();
  CHECK(journal.get(Cf::idempotency, old_key));

  journal.set_answer_cutoff(kStored + kAnswerKeep - std::chrono::seconds(1));
  compact();
  CHECK_FALSE(journal.get(Cf::idempotency, old_key));
  auto fresh = journal.get(Cf::idempotency, fresh_key);
  REQUIRE(fresh);
  CHECK(decode_answer_value(*fresh)->payload == payload);
  CHECK(journal.get(Cf::idempotency, legacy_key));  // no time: kept
  // History retention does not touch answers, whatever its cutoff.
  journal.set_answer_cutoff(kStored);
  journal.set_retention_cutoff(kStored + std::chrono::hours(24 * 365));
  compact();
  CHECK(journal.get(Cf::idempotency, fresh_key));
}
