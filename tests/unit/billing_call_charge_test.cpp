#include <catch2/catch.hpp>

#include "billing/call_charge.hpp"

using namespace callrouter;
using namespace callrouter::billing;

namespace {

const RateCard& card() {
  static const RateCard c = *parse_rate_card(R"({
    "countries": {"US": {"numbers": {"local": {"monthly_fee": "1.15", "inbound_per_minute": "0.0085"},
                                     "toll_free": {"monthly_fee": "2.15", "inbound_per_minute": "0.022"}}}},
    "outbound": {"prefixes": {"1": "0.014", "44": "0.0158", "447": "0.04"}},
    "agent_leg_per_minute": "0.004",
    "minimum_outbound_balance": "0.50"
  })");
  return c;
}

CallFacts inbound(std::int64_t seconds, std::vector<std::int64_t> agents = {}) {
  CallFacts f;
  f.direction = CallDirection::inbound;
  f.number_country = "US";
  f.number_type = NumberType::local;
  f.billable_s = seconds;
  f.agent_leg_s = std::move(agents);
  return f;
}

}  // namespace

TEST_CASE("minutes round up per leg, and 0 s is 0 min", "[billing]") {
  CHECK(billed_minutes(0) == 0);
  CHECK(billed_minutes(-5) == 0);
  CHECK(billed_minutes(1) == 1);
  CHECK(billed_minutes(60) == 1);
  CHECK(billed_minutes(61) == 2);
  CHECK(billed_minutes(14'400) == 240);
}

TEST_CASE("an inbound call bills the inbound leg at the number's rate", "[billing]") {
  auto c = charge_for(card(), inbound(61));
  REQUIRE(c);
  CHECK(c->billed_minutes == 2);
  CHECK(c->charge_micro == 17'000);
  REQUIRE(c->breakdown.size() == 1);
  CHECK(c->breakdown[0].rate == "US/local");

  auto tf = inbound(30);
  tf.number_type = NumberType::toll_free;
  CHECK(charge_for(card(), tf)->charge_micro == 22'000);
}

TEST_CASE("a zero-second call costs nothing", "[billing]") {
  auto c = charge_for(card(), inbound(0, {0}));
  REQUIRE(c);
  CHECK(c->billed_minutes == 0);
  CHECK(c->charge_micro == 0);
  CHECK(c->breakdown.size() == 2);
}

TEST_CASE("each agent leg is billed separately, rounded up on its own", "[billing]") {
  // Inbound 125 s (3 min) rang two agents: one answered for 120 s (2 min), one rang 5 s (1 min).
  auto c = charge_for(card(), inbound(125, {120, 5}));
  REQUIRE(c);
  CHECK(c->billed_minutes == 6);
  CHECK(c->charge_micro == 3 * 8'500 + 2 * 4'000 + 1 * 4'000);
  CHECK(c->breakdown[1].leg == "agent");
  CHECK(c->breakdown[2].minutes == 1);
}

TEST_CASE("an outbound call bills the destination by longest prefix plus the agent leg", "[billing]") {
  CallFacts f;
  f.direction = CallDirection::outbound;
  f.destination_e164 = "+447700900123";
  f.destination_country = "GB";
  f.billable_s = 59;
  f.agent_leg_s = {75};
  auto c = charge_for(card(), f);
  REQUIRE(c);
  CHECK(c->charge_micro == 40'000 + 2 * 4'000);
  CHECK(c->breakdown[0].rate == "outbound 447");

  f.destination_e164 = "+8613812345678";
  f.destination_country = "CN";
  CHECK(charge_for(card(), f).error().code == "destination_blocked");
  f.destination_e164 = "+33612345678";
  f.destination_country = "FR";
  CHECK(charge_for(card(), f).error().code == "no_rate");
}

TEST_CASE("a forwarded inbound call bills the forward leg at the outbound rate", "[billing]") {
  auto f = inbound(90);
  f.forwarded_legs.push_back({"+14155550100", "US", 80});
  auto c = charge_for(card(), f);
  REQUIRE(c);
  CHECK(c->charge_micro == 2 * 8'500 + 2 * 14'000);
}

TEST_CASE("charges refuse unknown number types and absurd durations", "[billing]") {
  auto f = inbound(10);
  f.number_type = NumberType::mobile;
  CHECK(charge_for(card(), f).error().code == "number_type_unavailable");
  CHECK(charge_for(card(), inbound(100'000)).error().code == "invalid_duration");
  CHECK(charge_for(card(), inbound(10, {100'000})).error().code == "invalid_duration");
}

TEST_CASE("charges are deterministic", "[billing]") {
  auto a = charge_for(card(), inbound(3'601, {3'590, 12}));
  auto b = charge_for(card(), inbound(3'601, {3'590, 12}));
  CHECK(a->charge_micro == b->charge_micro);
  CHECK(a->billed_minutes == 61 + 60 + 1);
}
