#include <catch2/catch.hpp>

#include <limits>

#include "billing/calendar.hpp"
#include "billing/money.hpp"

using namespace callrouter;
using namespace callrouter::billing;

namespace {
Timestamp at(std::string_view rfc3339) { return *parse_rfc3339(rfc3339); }
}  // namespace

TEST_CASE("credits parse exactly from decimal strings", "[billing]") {
  CHECK(*parse_credits("1.15") == 1'150'000);
  CHECK(*parse_credits("0.0085") == 8'500);
  CHECK(*parse_credits("3") == 3'000'000);
  CHECK(*parse_credits("0") == 0);
  CHECK(*parse_credits("0.000001") == 1);
  CHECK(*parse_credits("007.5") == 7'500'000);
  CHECK(*parse_credits("9223372036854.775807") == std::numeric_limits<std::int64_t>::max());
}

TEST_CASE("credits text that would need rounding or is not a plain decimal is refused", "[billing]") {
  for (std::string_view bad : {"", ".5", "1.", "0.0000001", "1,5", "-1", "+1", "1e3", " 1", "1 ", "1.2.3",
                               "abc", "9223372036854.775808", "99999999999999999999"}) {
    INFO(bad);
    CHECK_FALSE(parse_credits(bad));
  }
  CHECK_THAT(parse_credits("0.1234567").error(), Catch::Contains("more than 6 decimals"));
}

TEST_CASE("credits format exactly and round-trip", "[billing]") {
  CHECK(format_credits(1'150'000) == "1.15");
  CHECK(format_credits(8'500) == "0.0085");
  CHECK(format_credits(-2'000'000) == "-2");
  CHECK(format_credits(0) == "0");
  CHECK(format_credits(std::numeric_limits<std::int64_t>::min()) == "-9223372036854.775808");
  for (std::int64_t v : {1LL, 10LL, 999'999LL, 1'000'001LL, 123'456'789LL}) CHECK(*parse_credits(format_credits(v)) == v);
}

TEST_CASE("checked arithmetic reports overflow", "[billing]") {
  constexpr auto max = std::numeric_limits<std::int64_t>::max();
  CHECK_FALSE(checked_add(max, 1));
  CHECK_FALSE(checked_sub(-max - 1, 1));
  CHECK_FALSE(checked_mul(max / 2 + 1, 2));
  CHECK(*checked_add(2, 3) == 5);
}

TEST_CASE("months add with the day clamped to the month's end, anchored to the start", "[billing]") {
  auto jan31 = at("2026-01-31T10:00:00Z");
  CHECK(add_months_clamped(jan31, 1) == at("2026-02-28T10:00:00Z"));
  CHECK(add_months_clamped(jan31, 2) == at("2026-03-31T10:00:00Z"));
  CHECK(add_months_clamped(at("2028-01-31T00:00:00Z"), 1) == at("2028-02-29T00:00:00Z"));  // leap
  CHECK(add_months_clamped(at("2024-02-29T12:30:00Z"), 12) == at("2025-02-28T12:30:00Z"));
  CHECK(add_months_clamped(at("2024-02-29T12:30:00Z"), 48) == at("2028-02-29T12:30:00Z"));
  CHECK(add_months_clamped(at("2026-11-15T08:00:00Z"), 3) == at("2027-02-15T08:00:00Z"));
  CHECK(month_key(at("2026-12-31T23:59:59Z")) == "2026-12");
  CHECK(month_key(at("2027-01-01T00:00:00Z")) == "2027-01");
}
