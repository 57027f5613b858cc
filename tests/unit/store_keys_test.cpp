#include <catch2/catch.hpp>

#include "store/answer_records.hpp"
#include "store/config_records.hpp"
#include "store/ledger_records.hpp"
#include "store/outbox_records.hpp"

using namespace callrouter;
using namespace callrouter::store;
using namespace std::string_literals;

// The byte layouts of docs/storage.md: journals written before the helpers moved into store/
// must read back unchanged, so these are pinned to the letter.
TEST_CASE("stored keys keep their byte layouts") {
  CHECK(user_key("demo", "u_sato") == "demo\0user\0u_sato"s);
  CHECK(group_key("demo", "sales") == "demo\0group\0sales"s);
  CHECK(api_key_key("demo", "3f9a") == "demo\0key\0" "3f9a"s);
  CHECK(call_events_prefix("demo", "CA1") == "demo\0CA1\0"s);
  CHECK(call_event_key("demo", "CA1", "status", 3).starts_with(call_events_prefix("demo", "CA1")));
  CHECK(erase_user("demo", "u_sato").key == user_key("demo", "u_sato"));
  CHECK(erase_user("demo", "u_sato").erase);
  CHECK(erase_group("demo", "sales").cf == Cf::config);

  CHECK(wallet_key("demo") == "demo\0wallet"s);
  CHECK(ledger_entry_prefix("demo") == "demo\0entry\0"s);
  CHECK(ledger_entry_key("demo", 42) == "demo\0entry\0" "00000000000000000042"s);
  CHECK(applied_ref_key("demo", "call:CA1") == "demo\0ref\0call:CA1"s);
  CHECK(recording_key("demo", "RE1") == "demo\0recording\0RE1"s);

  CHECK(billing_event_prefix("demo") == "demo\0billing-event\0"s);
  const Timestamp at{std::chrono::microseconds(1'795'600'000'000'000)};
  CHECK(billing_event_key("demo", at, 7) == "demo\0billing-event\0" "00001795600000000000.000007"s);
  CHECK(billing_event_key("demo", at, 1'000'007) == billing_event_key("demo", at, 7));  // six digits

  CHECK(answer_key("demo", kVoiceAnswer, "CA1") == "demo\0voice\0CA1"s);
  CHECK(answer_key("demo", kTokenAnswer, "t") == "demo\0token\0t"s);
  CHECK(answer_key("demo", kCallbackAnswer, "CA1/gather/menu/1/3") == "demo\0callback\0CA1/gather/menu/1/3"s);
  CHECK(answer_key("demo", kRedirectAnswer, redirect_answer_id("CA1", 2)) == "demo\0redirect\0CA1/2"s);
}
