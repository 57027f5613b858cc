#include <catch2/catch.hpp>

#include <random>

#include "billing/number_fees.hpp"

using namespace callrouter;
using namespace callrouter::billing;

namespace {
Timestamp at(std::string_view rfc3339) { return *parse_rfc3339(rfc3339); }
}  // namespace

TEST_CASE("fees fall due on the purchase anniversary, clamped to month ends", "[billing]") {
  auto bought = at("2026-01-31T10:00:00Z");
  CHECK(fee_due_at(bought, 1) == at("2026-02-28T10:00:00Z"));
  CHECK(fee_due_at(bought, 2) == at("2026-03-31T10:00:00Z"));  // back to the 31st: no drift
  CHECK(fee_due_at(bought, 3) == at("2026-04-30T10:00:00Z"));
  CHECK(fee_due_at(bought, 12) == at("2027-01-31T10:00:00Z"));
  CHECK(fee_due_at(at("2027-01-30T00:00:00Z"), 1) == at("2027-02-28T00:00:00Z"));
  CHECK(fee_due_at(at("2028-01-30T00:00:00Z"), 1) == at("2028-02-29T00:00:00Z"));  // leap year
  CHECK(fee_due_at(at("2028-02-29T09:00:00Z"), 12) == at("2029-02-28T09:00:00Z"));
  CHECK(fee_due_at(at("2028-02-29T09:00:00Z"), 1) == at("2028-03-29T09:00:00Z"));
}

TEST_CASE("nothing is due before the first anniversary", "[billing]") {
  auto bought = at("2026-05-10T12:00:00Z");
  CHECK(due_fees(bought, 0, at("2026-06-10T11:59:59Z")).empty());
  CHECK(due_fees(bought, 0, at("2026-06-10T12:00:00Z")) == std::vector<std::int64_t>{1});
  CHECK(next_fee_at(bought, 0) == at("2026-06-10T12:00:00Z"));
  CHECK(next_fee_at(bought, 1) == at("2026-07-10T12:00:00Z"));
}

TEST_CASE("downtime of several months charges each missed fee exactly once", "[billing]") {
  auto bought = at("2026-01-31T10:00:00Z");
  auto due = due_fees(bought, 1, at("2026-06-15T00:00:00Z"));  // fee 1 paid in Feb, down until June
  CHECK(due == std::vector<std::int64_t>{2, 3, 4});
  CHECK(due_fees(bought, 4, at("2026-06-15T00:00:00Z")).empty());  // after recording them
}

TEST_CASE("a clock that jumps back charges nothing again", "[billing]") {
  auto bought = at("2026-01-15T00:00:00Z");
  auto due = due_fees(bought, 0, at("2026-04-20T00:00:00Z"));
  REQUIRE(due == std::vector<std::int64_t>{1, 2, 3});
  CHECK(due_fees(bought, 3, at("2026-02-01T00:00:00Z")).empty());
  CHECK(due_fees(bought, 3, at("2025-01-01T00:00:00Z")).empty());
}

TEST_CASE("a runaway clock yields a bounded batch", "[billing]") {
  auto due = due_fees(at("2026-01-15T00:00:00Z"), 0, at("2526-01-15T00:00:00Z"));
  CHECK(due.size() == kMaxDueFeesPerCall);
  CHECK(due.front() == 1);
}

TEST_CASE("property: walking time forward and back charges every index once, in order", "[billing]") {
  std::mt19937_64 rng(20261123);
  for (int round = 0; round < 200; ++round) {
    auto bought = at("2024-01-01T00:00:00Z") + std::chrono::hours(rng() % (24 * 365 * 4));
    auto now = bought;
    std::int64_t last = 0;
    std::vector<std::int64_t> charged;
    for (int step = 0; step < 100; ++step) {
      auto jump = std::chrono::hours(static_cast<std::int64_t>(rng() % (24 * 90)) - 24 * 20);  // −20 … +70 days
      now += jump;
      for (auto k : due_fees(bought, last, now)) {
        REQUIRE(k == last + 1);
        REQUIRE(fee_due_at(bought, k) <= now);
        charged.push_back(k);
        last = k;
      }
      REQUIRE(next_fee_at(bought, last) > std::max(now, bought));
    }
    for (std::size_t i = 0; i < charged.size(); ++i) REQUIRE(charged[i] == static_cast<std::int64_t>(i) + 1);
  }
}

TEST_CASE("fee refs name the number, its purchase and the index", "[billing]") {
  auto bought = at("2026-01-31T10:00:00Z");
  CHECK(fee_ref("+14155550100", bought, 3) == "fee:+14155550100:2026-01-31T10:00:00Z:3");
  CHECK(fee_ref("+14155550100", bought, 3) != fee_ref("+14155550100", at("2026-08-01T00:00:00Z"), 3));
}
