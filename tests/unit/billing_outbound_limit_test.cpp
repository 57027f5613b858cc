#include <catch2/catch.hpp>

#include <map>
#include <random>

#include "billing/call_charge.hpp"
#include "billing/outbound_limit.hpp"

using namespace callrouter;
using namespace callrouter::billing;

TEST_CASE("the time limit is the whole minutes the balance buys", "[billing]") {
  CHECK(*outbound_time_limit(1'000'000, 18'000, 500'000) == 55 * 60);  // 1.00 / 0.018 = 55.5 min
  CHECK(*outbound_time_limit(18'000, 18'000, 0) == 60);
  CHECK(*outbound_time_limit(100'000'000, 14'000, 500'000) == kMaxCallTimeLimitS);  // Twilio's cap
  CHECK(*outbound_time_limit(500'000, 0, 500'000) == kMaxCallTimeLimitS);            // free destination
}

TEST_CASE("outbound calls are refused below the minimum or when a minute is unaffordable", "[billing]") {
  auto below = outbound_time_limit(499'999, 14'000, 500'000);
  REQUIRE_FALSE(below);
  CHECK(below.error().code == "below_minimum_balance");
  CHECK(outbound_time_limit(-1, 14'000, 0).error().code == "below_minimum_balance");
  CHECK(outbound_time_limit(10'000, 14'000, 0).error().code == "insufficient_balance");
  CHECK(outbound_time_limit(0, 14'000, 0).error().code == "insufficient_balance");
  CHECK(outbound_time_limit(1'000'000, -1, 0).error().code == "invalid_rate");
}

TEST_CASE("the per-minute rate adds the agent leg and refuses what the card refuses", "[billing]") {
  auto card = *parse_rate_card(R"({"countries": {}, "outbound": {"prefixes": {"1": "0.014"}},
      "agent_leg_per_minute": "0.004", "minimum_outbound_balance": "0.50"})");
  CHECK(*outbound_per_minute(card, "+14155550100", "US", true) == 18'000);
  CHECK(*outbound_per_minute(card, "+14155550100", "US", false) == 14'000);
  CHECK(outbound_per_minute(card, "+8613812345678", "CN", true).error().code == "destination_blocked");
  CHECK(outbound_per_minute(card, "+442071838750", "GB", true).error().code == "no_rate");
}

TEST_CASE("property: the charge within the time limit never exceeds the balance", "[billing]") {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20'000; ++i) {
    std::int64_t balance = static_cast<std::int64_t>(rng() % 200'000'000) - 1'000'000;
    std::int64_t rate = static_cast<std::int64_t>(rng() % 3'000'000);
    std::int64_t minimum = static_cast<std::int64_t>(rng() % 2'000'000);
    auto limit = outbound_time_limit(balance, rate, minimum);
    INFO("balance " << balance << " rate " << rate << " minimum " << minimum);
    if (!limit) {
      if (balance < minimum) {
        REQUIRE(limit.error().code == "below_minimum_balance");
      } else {
        REQUIRE(limit.error().code == "insufficient_balance");
        REQUIRE(rate > balance);
      }
      continue;
    }
    REQUIRE(balance >= minimum);
    REQUIRE(*limit > 0);
    REQUIRE(*limit <= kMaxCallTimeLimitS);
    // Every length up to the limit costs at most the balance …
    REQUIRE(max_charge_micro(*limit, rate) <= balance);
    REQUIRE(billed_minutes(*limit) * rate <= balance);
    // … and the limit is the largest such: one more second would cost more (or hit Twilio's cap).
    if (*limit < kMaxCallTimeLimitS) REQUIRE(max_charge_micro(*limit + 1, rate) > balance);
  }
}

TEST_CASE("property: concurrent reservations never overdraw the wallet", "[billing]") {
  std::mt19937_64 rng(11);
  std::int64_t balance = 20'000'000;
  const std::int64_t minimum = 500'000;
  Reservations holds;
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> live;  // sid → (limit, rate)
  int refused = 0, next_sid = 0;
  for (int step = 0; step < 50'000; ++step) {
    if (rng() % 3 != 0 || live.empty()) {
      auto sid = "CA" + std::to_string(next_sid++);
      std::int64_t rate = 4'000 + static_cast<std::int64_t>(rng() % 500'000);
      auto grant = holds.reserve(sid, balance, rate, minimum);
      if (!grant) {
        ++refused;
        auto code = grant.error().code;
        REQUIRE((code == "below_minimum_balance" || code == "insufficient_balance"));
      } else {
        REQUIRE(grant->reserved_micro == max_charge_micro(grant->time_limit_s, rate));
        live[sid] = {grant->time_limit_s, rate};
      }
    } else {
      // A call ends somewhere within its limit; its real charge is debited and its hold released.
      auto it = std::next(live.begin(), static_cast<long>(rng() % live.size()));
      auto [limit, rate] = it->second;
      std::int64_t lasted = static_cast<std::int64_t>(rng() % (limit + 1));
      std::int64_t charge = billed_minutes(lasted) * rate;
      auto held = holds.release(it->first);
      REQUIRE(charge <= held);
      balance -= charge;
      live.erase(it);
      if (rng() % 50 == 0) balance += 5'000'000;  // a top-up now and then keeps calls coming
    }
    REQUIRE(holds.reserved_micro() <= balance);
    REQUIRE(holds.available_micro(balance) >= 0);
    REQUIRE(balance >= 0);
    REQUIRE(holds.size() == live.size());
  }
  CHECK(refused > 0);
}

TEST_CASE("reservations refuse a second hold for one call and release once", "[billing]") {
  Reservations holds;
  REQUIRE(holds.reserve("CA1", 10'000'000, 18'000, 500'000));
  CHECK(holds.reserve("CA1", 10'000'000, 18'000, 500'000).error().code == "already_reserved");
  auto held = holds.reserved_micro();
  CHECK(held == 240 * 18'000);
  CHECK(holds.release("CA1") == held);
  CHECK(holds.release("CA1") == 0);
  CHECK(holds.reserved_micro() == 0);
  // A second call sees only what the first left available.
  REQUIRE(holds.reserve("CA2", 1'000'000, 18'000, 0));
  CHECK(holds.reserve("CA3", 1'000'000, 18'000, 0).error().code == "insufficient_balance");
}
