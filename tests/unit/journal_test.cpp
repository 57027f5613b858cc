#include <catch2/catch.hpp>

#include "journal_loop.hpp"
#include "store/journal.hpp"

using namespace callrouter;
using namespace callrouter::store;
using callrouter::testing::Loop;
using callrouter::testing::TempDir;

TEST_CASE("writes of one loop turn share one batch and survive reopening") {
  TempDir dir;
  {
    Loop loop;
    auto journal = Journal::open(dir.path, Durability::fsync, loop.post());
    REQUIRE(journal);
    int durable = 0;
    for (int i = 0; i < 50; ++i) {
      (*journal)->commit({{Cf::calls, make_key({"org", std::to_string(i)}), encode_value("v")}},
                         [&](bool ok) { durable += ok ? 1 : 0; });
    }
    CHECK(durable == 0);  // nothing is acknowledged before the fsync
    loop.run_until([&] { return durable == 50; });
    CHECK(durable == 50);
    CHECK((*journal)->commits() == 1);  // one loop turn, one WriteBatch
  }
  Loop loop;
  auto journal = Journal::open(dir.path, Durability::fsync, loop.post());
  REQUIRE(journal);
  int count = 0;
  (*journal)->scan_prefix(Cf::calls, make_key({"org", ""}), [&](std::string_view, std::string_view v) {
    CHECK(decode_value(v) == std::optional<std::string_view>("v"));
    ++count;
    return true;
  });
  CHECK(count == 50);
  CHECK_FALSE((*journal)->get(Cf::config, make_key({"org", "1"})));  // column families are separate
}

TEST_CASE("scan_prefix stays inside one org") {
  TempDir dir;
  Loop loop;
  auto journal = Journal::open(dir.path, Durability::none, loop.post());
  REQUIRE(journal);
  REQUIRE((*journal)->write_now({{Cf::calls, make_key({"a", "1"}), "x"},
                                 {Cf::calls, make_key({"ab", "1"}), "y"},
                                 {Cf::calls, make_key({"a", "2"}), "z"}}));
  std::vector<std::string> seen;
  (*journal)->scan_prefix(Cf::calls, make_key({"a", ""}), [&](std::string_view k, std::string_view) {
    seen.emplace_back(k);
    return true;
  });
  CHECK(seen == std::vector<std::string>{make_key({"a", "1"}), make_key({"a", "2"})});
}

TEST_CASE("value encoding is versioned") {
  CHECK(encode_value("abc") == std::string("\x01" "abc"));
  CHECK(decode_value(encode_value("abc")) == std::optional<std::string_view>("abc"));
  CHECK_FALSE(decode_value(""));
  CHECK_FALSE(decode_value("\x02" "abc"));
}

TEST_CASE("a checkpoint is made off the loop one at a time and holds what was durable") {
  TempDir dir;
  Loop loop;
  auto journal = Journal::open(dir.path / "data", Durability::fsync, loop.post());
  REQUIRE(journal);
  REQUIRE((*journal)->write_now({{Cf::calls, make_key({"org", "1"}), encode_value("v")}}));
  std::optional<Expected<Ok>> first;
  REQUIRE((*journal)->start_checkpoint(dir.path / "backup-1", [&](Expected<Ok> done) { first = std::move(done); }));
  // Refused until the first one's completion has run on the loop, however quick the copy was.
  bool second_ran = false;
  CHECK_FALSE((*journal)->start_checkpoint(dir.path / "backup-2", [&](Expected<Ok>) { second_ran = true; }));
  loop.run_until([&] { return first.has_value(); });
  REQUIRE(first);
  CHECK(first->has_value());
  CHECK_FALSE(second_ran);
  // Once it is done, the next one starts; one into an existing dir fails as a value.
  std::optional<Expected<Ok>> again;
  REQUIRE((*journal)->start_checkpoint(dir.path / "backup-1", [&](Expected<Ok> done) { again = std::move(done); }));
  loop.run_until([&] { return again.has_value(); });
  REQUIRE(again);
  CHECK_FALSE(again->has_value());
  (*journal)->close();

  // The checkpoint dir is a journal dir: restore by putting it in place.
  Loop restored_loop;
  std::filesystem::create_directories(dir.path / "restored");
  std::filesystem::rename(dir.path / "backup-1", dir.path / "restored" / "journal");
  auto reopened = Journal::open(dir.path / "restored", Durability::fsync, restored_loop.post());
  REQUIRE(reopened);
  CHECK((*reopened)->get(Cf::calls, make_key({"org", "1"})) == encode_value("v"));
}
