#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <vector>

#include "common/json_writer.hpp"
#include "common/time.hpp"

using namespace callrouter;

TEST_CASE("json writer nests and escapes") {
  JsonWriter w;
  w.begin_object()
      .field("a", "x\"y\\z\n\x01")
      .key("list")
      .begin_array()
      .value(std::int64_t{-3})
      .value(true)
      .null()
      .begin_object()
      .end_object()
      .end_array()
      .key("raw")
      .raw(R"({"k":1})")
      .end_object();
  CHECK(w.str() == R"({"a":"x\"y\\z\n\u0001","list":[-3,true,null,{}],"raw":{"k":1}})");
}

TEST_CASE("rfc3339 round trip") {
  using namespace std::chrono;
  Timestamp t = Timestamp(sys_days(2026y / 11 / 23) + hours(20) + minutes(27) + seconds(5));
  CHECK(format_rfc3339(t) == "2026-11-23T20:27:05Z");
  CHECK(parse_rfc3339("2026-11-23T20:27:05Z") == t);
  CHECK(format_rfc3339(t + microseconds(1500)) == "2026-11-23T20:27:05.001500Z");
  CHECK(parse_rfc3339("2026-11-23T20:27:05.0015Z") == t + microseconds(1500));
  CHECK_FALSE(parse_rfc3339("2026-13-01T00:00:00Z"));
  CHECK_FALSE(parse_rfc3339("yesterday"));
  CHECK_FALSE(parse_rfc3339("2026-11-23T20:27:05+09:00"));
}

TEST_CASE("format_rfc3339 spells every time as the formatter did, and parses back") {
  using namespace std::chrono;
  // The spelling before the hand-written digits: fmt over the civil date and the time of day.
  auto reference = [](Timestamp t) {
    auto day = floor<days>(t);
    year_month_day ymd{day};
    hh_mm_ss hms{t - day};
    auto s = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                         static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), hms.hours().count(),
                         hms.minutes().count(), hms.seconds().count());
    if (hms.subseconds().count() != 0) s += fmt::format(".{:06}", hms.subseconds().count());
    return s + 'Z';
  };
  std::vector<Timestamp> times{Timestamp{}, Timestamp(sys_days(2024y / 2 / 29)), Timestamp(sys_days(1999y / 12 / 31) + hours(23) + minutes(59) + seconds(59) + microseconds(999999)),
                               Timestamp(sys_days(9999y / 12 / 31)), Timestamp(sys_days(1969y / 12 / 31) + microseconds(1))};
  std::uint64_t x = 88172645463325252ULL;  // xorshift: the same times every run
  for (int i = 0; i < 20000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    times.push_back(Timestamp(microseconds(static_cast<std::int64_t>(x % 4'102'444'800'000'000ULL))));  // 1970–2100
  }
  for (auto t : times) {
    INFO(t.time_since_epoch().count());
    REQUIRE(format_rfc3339(t) == reference(t));
    REQUIRE(parse_rfc3339(format_rfc3339(t)) == t);
  }
}
