#include "history/local_time.hpp"

#include <catch2/catch.hpp>

using namespace callrouter;
using namespace callrouter::history;

TEST_CASE("local time: the zone's wall clock with its offset") {
  auto tokyo = LocalClock::in_zone("Asia/Tokyo");
  REQUIRE(tokyo);
  std::string out;
  tokyo->append(out, *parse_rfc3339("2026-12-01T00:15:41Z"));
  CHECK(out == "2026-12-01 09:15:41 +09:00");
  CHECK(tokyo->date_of(*parse_rfc3339("2026-12-31T15:00:00Z")) == "2027-01-01");
  CHECK(tokyo->midnight_of("2026-12-01") == parse_rfc3339("2026-11-30T15:00:00Z"));
}

TEST_CASE("local time: offsets follow daylight saving time within one clock") {
  auto ny = LocalClock::in_zone("America/New_York");
  REQUIRE(ny);
  std::string out;
  ny->append(out, *parse_rfc3339("2026-07-01T12:00:00Z"));
  out.push_back('|');
  ny->append(out, *parse_rfc3339("2026-12-01T12:00:00Z"));
  out.push_back('|');
  ny->append(out, *parse_rfc3339("2026-07-02T12:00:00Z"));
  CHECK(out == "2026-07-01 08:00:00 -04:00|2026-12-01 07:00:00 -05:00|2026-07-02 08:00:00 -04:00");
  auto kolkata = LocalClock::in_zone("Asia/Kolkata");
  out.clear();
  kolkata->append(out, *parse_rfc3339("2026-07-01T12:00:00Z"));
  CHECK(out == "2026-07-01 17:30:00 +05:30");
}

TEST_CASE("local time: unknown zones and bad dates are refused") {
  CHECK_FALSE(LocalClock::in_zone("Mars/Olympus"));
  CHECK_FALSE(LocalClock::in_zone(""));
  auto utc = LocalClock::in_zone("UTC");
  REQUIRE(utc);
  CHECK_FALSE(utc->midnight_of("2026-02-30"));
  CHECK_FALSE(utc->midnight_of("2026-1-01"));
  CHECK_FALSE(utc->midnight_of("20261201"));
}
