#include <catch2/catch.hpp>

#include <set>

#include "billing/recording_quota.hpp"

using namespace callrouter;
using namespace callrouter::billing;

namespace {

struct RefStore {
  std::set<std::string, std::less<>> refs;
  AppliedRefs applied() const {
    return [this](std::string_view r) { return refs.find(r) != refs.end(); };
  }
  void keep(RecordingUsage& usage, const RecordingDecision& d) {
    if (!d.applied) return;
    refs.insert(d.ref);
    usage = d.usage;
  }
};

}  // namespace

TEST_CASE("a recording is counted once per RecordingSid", "[billing]") {
  RecordingUsage usage;
  RefStore store;
  CHECK(usage.included_s == 60'000);
  CHECK(may_record(usage));
  auto first = count_recording(usage, "RE1", 600, store.applied());
  REQUIRE(first);
  CHECK(first->applied);
  store.keep(usage, *first);
  CHECK(usage.used_s == 600);
  auto again = count_recording(usage, "RE1", 600, store.applied());  // a retried callback
  REQUIRE(again);
  CHECK_FALSE(again->applied);
  CHECK(again->usage.used_s == 600);
}

TEST_CASE("the quota stops new recordings once used up; deleting frees it, once", "[billing]") {
  RecordingUsage usage;
  RefStore store;
  store.keep(usage, *count_recording(usage, "RE1", 59'000, store.applied()));
  CHECK(may_record(usage));
  store.keep(usage, *count_recording(usage, "RE2", 1'000, store.applied()));
  CHECK_FALSE(may_record(usage));
  store.keep(usage, *count_recording(usage, "RE3", 500, store.applied()));  // one that started in time
  CHECK(usage.used_s == 60'500);

  auto freed = free_recording(usage, "RE2", 1'000, store.applied());
  REQUIRE(freed->applied);
  store.keep(usage, *freed);
  CHECK(usage.used_s == 59'500);
  CHECK(may_record(usage));
  CHECK_FALSE(free_recording(usage, "RE2", 1'000, store.applied())->applied);   // deleted twice
  CHECK_FALSE(free_recording(usage, "RE9", 1'000, store.applied())->applied);   // never counted
}

TEST_CASE("recording inputs are checked and plans change the quota", "[billing]") {
  RecordingUsage usage;
  CHECK(count_recording(usage, "RE1", -1, {}).error().code == "invalid_duration");
  CHECK(count_recording(usage, "", 1, {}).error().code == "invalid_ref");
  auto card = *parse_rate_card(R"({"countries": {}, "outbound": {"prefixes": {}}, "agent_leg_per_minute": "0",
      "minimum_outbound_balance": "0", "recording_plans": [
        {"id": "included", "included_s": 60000, "monthly_price": "0"},
        {"id": "plus", "included_s": 300000, "monthly_price": "2.00"}]})");
  auto plus = with_recording_plan(usage, card, "plus");
  REQUIRE(plus);
  CHECK(plus->included_s == 300'000);
  CHECK(plus->plan == "plus");
  CHECK(with_recording_plan(usage, card, "gold").error().code == "unknown_plan");
}
