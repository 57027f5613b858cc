#include <catch2/catch.hpp>

#include <simdjson.h>

#include <cstdio>
#include <string>
#include <vector>

#include "flow/business_hours.hpp"

using namespace callrouter;
using namespace callrouter::flow;
using namespace std::chrono;

namespace {

// A state object as it appears in a flow; the keys that are not business hours must be ignored.
Expected<BusinessHours> parse(const std::string& settings) {
  static simdjson::dom::parser parser;
  auto json = R"({"id":"hours","type":"business_hours","on":{"open":"a","closed":"b"},)" + settings + "}";
  simdjson::dom::object o;
  auto error = parser.parse(json).get(o);
  INFO(json);
  REQUIRE(error == simdjson::SUCCESS);
  return parse_business_hours(o, "hours");
}

BusinessHours parsed(const std::string& settings) {
  auto h = parse(settings);
  INFO(settings << "\n-> " << (h ? std::string() : h.error()));
  REQUIRE(h);
  return std::move(*h);
}

std::string error_of(const std::string& settings) {
  auto h = parse(settings);
  return h ? std::string("(parsed)") : h.error();
}

// A UTC instant, to the microsecond.
Timestamp utc(year_month_day ymd, int h, int m, int s = 0, int us = 0) {
  return Timestamp(sys_days(ymd) + hours(h) + minutes(m) + seconds(s) + microseconds(us));
}

constexpr microseconds kTick{1};

const std::string kOffice = R"("timezone":"UTC","weekly":{
    "mon":[["09:00","18:00"]],"tue":[["09:00","18:00"]],"wed":[["09:00","18:00"]],"thu":[["09:00","18:00"]],
    "fri":[["13:00","18:00"],["09:00","12:00"]],"sat":[["20:00","24:00"]]})";

}  // namespace

TEST_CASE("business hours: open is inclusive, close is exclusive, to the microsecond") {
  auto h = parsed(kOffice);
  const auto monday = 2026y / November / 23;
  CHECK_FALSE(is_open(h, utc(monday, 9, 0) - kTick));
  CHECK(is_open(h, utc(monday, 9, 0)));
  CHECK(is_open(h, utc(monday, 12, 30)));
  CHECK(is_open(h, utc(monday, 18, 0) - kTick));
  CHECK_FALSE(is_open(h, utc(monday, 18, 0)));
  CHECK_FALSE(is_open(h, utc(monday, 0, 0)));
  // Sunday is not listed: closed all day.
  CHECK_FALSE(is_open(h, utc(2026y / November / 29, 12, 0)));
}

TEST_CASE("business hours: a lunch break splits Friday (intervals given out of order)") {
  auto h = parsed(kOffice);
  const auto friday = 2026y / November / 27;
  CHECK_FALSE(is_open(h, utc(friday, 9, 0) - kTick));
  CHECK(is_open(h, utc(friday, 9, 0)));
  CHECK(is_open(h, utc(friday, 12, 0) - kTick));
  CHECK_FALSE(is_open(h, utc(friday, 12, 0)));
  CHECK_FALSE(is_open(h, utc(friday, 12, 30)));
  CHECK_FALSE(is_open(h, utc(friday, 13, 0) - kTick));
  CHECK(is_open(h, utc(friday, 13, 0)));
  CHECK(is_open(h, utc(friday, 18, 0) - kTick));
  CHECK_FALSE(is_open(h, utc(friday, 18, 0)));
}

TEST_CASE("business hours: 24:00 closes at the end of the day") {
  auto h = parsed(kOffice);
  const auto saturday = 2026y / November / 28;
  CHECK_FALSE(is_open(h, utc(saturday, 20, 0) - kTick));
  CHECK(is_open(h, utc(saturday, 20, 0)));
  CHECK(is_open(h, utc(saturday, 23, 59, 59, 999'999)));
  CHECK_FALSE(is_open(h, utc(2026y / November / 29, 0, 0)));  // Sunday 00:00
}

TEST_CASE("business hours: Asia/Tokyo is UTC+9, so the same hours are open at other instants") {
  const std::string weekly = R"("weekly":{"mon":[["09:00","18:00"]]})";
  auto tokyo = parsed(R"("timezone":"Asia/Tokyo",)" + weekly);
  auto utc_zone = parsed(R"("timezone":"UTC",)" + weekly);
  const auto monday = 2026y / November / 23;
  // Monday 00:00 UTC is Monday 09:00 in Tokyo; Sunday 23:59 UTC is still Monday 08:59 there.
  CHECK(is_open(tokyo, utc(monday, 0, 0)));
  CHECK_FALSE(is_open(tokyo, utc(monday, 0, 0) - kTick));
  CHECK_FALSE(is_open(utc_zone, utc(monday, 0, 0)));
  // Monday 09:00 UTC is 18:00 in Tokyo: closed there, just opened in UTC.
  CHECK_FALSE(is_open(tokyo, utc(monday, 9, 0)));
  CHECK(is_open(tokyo, utc(monday, 9, 0) - kTick));
  CHECK(is_open(utc_zone, utc(monday, 9, 0)));
  // Sunday 2026-11-22 23:30 UTC: Sunday in UTC, Monday 08:30 in Tokyo.
  CHECK_FALSE(is_open(tokyo, utc(2026y / November / 22, 23, 30)));
  CHECK(is_open(tokyo, utc(2026y / November / 23, 0, 30)));  // Monday 09:30 JST
}

TEST_CASE("business hours: America/New_York on both sides of the DST switches") {
  auto h = parsed(R"("timezone":"America/New_York","weekly":{"mon":[["09:00","17:00"]],"sun":[["01:00","03:00"]]})");
  // Before 2026-03-08 the offset is -5 (EST): 09:00 local = 14:00 UTC.
  CHECK_FALSE(is_open(h, utc(2026y / March / 2, 13, 30)));
  CHECK(is_open(h, utc(2026y / March / 2, 14, 0)));
  CHECK(is_open(h, utc(2026y / March / 2, 22, 0) - kTick));
  CHECK_FALSE(is_open(h, utc(2026y / March / 2, 22, 0)));
  // After it the offset is -4 (EDT): 09:00 local = 13:00 UTC.
  CHECK(is_open(h, utc(2026y / March / 9, 13, 0)));
  CHECK_FALSE(is_open(h, utc(2026y / March / 9, 13, 0) - kTick));
  CHECK_FALSE(is_open(h, utc(2026y / March / 9, 21, 0)));
  // The switch itself, Sunday 2026-03-08 02:00 EST -> 03:00 EDT (07:00 UTC): 01:59 local is open,
  // the next instant is 03:00 local, closed. Only one hour of the "01:00-03:00" interval exists.
  CHECK(is_open(h, utc(2026y / March / 8, 6, 0)));
  CHECK(is_open(h, utc(2026y / March / 8, 7, 0) - kTick));
  CHECK_FALSE(is_open(h, utc(2026y / March / 8, 7, 0)));
  // Back to EST on Sunday 2026-11-01 at 02:00 EDT (06:00 UTC): 01:00-01:59 happens twice, open both
  // times, so the interval lasts three real hours (05:00-08:00 UTC).
  CHECK_FALSE(is_open(h, utc(2026y / November / 1, 5, 0) - kTick));
  CHECK(is_open(h, utc(2026y / November / 1, 5, 0)));
  CHECK(is_open(h, utc(2026y / November / 1, 6, 30)));  // 01:30 EST, the second time
  CHECK(is_open(h, utc(2026y / November / 1, 8, 0) - kTick));
  CHECK_FALSE(is_open(h, utc(2026y / November / 1, 8, 0)));
  // Mondays around it: 09:00 EDT = 13:00 UTC, then 09:00 EST = 14:00 UTC.
  CHECK(is_open(h, utc(2026y / October / 26, 13, 0)));
  CHECK_FALSE(is_open(h, utc(2026y / November / 2, 13, 0)));
  CHECK(is_open(h, utc(2026y / November / 2, 14, 0)));
}

TEST_CASE("business hours: Europe/Berlin on both sides of the DST switches") {
  auto h = parsed(R"("timezone":"Europe/Berlin","weekly":{"mon":[["08:00","16:00"]],"sun":[["03:00","04:00"]]})");
  // Winter (CET, +1): 08:00 local = 07:00 UTC.
  CHECK_FALSE(is_open(h, utc(2026y / March / 23, 7, 0) - kTick));
  CHECK(is_open(h, utc(2026y / March / 23, 7, 0)));
  // Summer (CEST, +2) from Sunday 2026-03-29 01:00 UTC: 08:00 local = 06:00 UTC.
  CHECK(is_open(h, utc(2026y / March / 30, 6, 0)));
  CHECK_FALSE(is_open(h, utc(2026y / March / 30, 6, 0) - kTick));
  CHECK_FALSE(is_open(h, utc(2026y / March / 30, 14, 0)));  // 16:00 CEST
  // At the switch, 02:00 CET becomes 03:00 CEST: the "03:00" opening is the switch instant.
  CHECK_FALSE(is_open(h, utc(2026y / March / 29, 1, 0) - kTick));  // 01:59:59 CET
  CHECK(is_open(h, utc(2026y / March / 29, 1, 0)));                 // 03:00 CEST
  CHECK_FALSE(is_open(h, utc(2026y / March / 29, 2, 0)));           // 04:00 CEST
  // Back to CET on Sunday 2026-10-25 at 01:00 UTC (03:00 CEST -> 02:00 CET): 03:00 CET = 02:00 UTC.
  CHECK_FALSE(is_open(h, utc(2026y / October / 25, 1, 30)));  // 02:30 CET
  CHECK(is_open(h, utc(2026y / October / 25, 2, 0)));
  CHECK_FALSE(is_open(h, utc(2026y / October / 25, 1, 0) - kTick));  // 02:59:59 CEST
  CHECK_FALSE(is_open(h, utc(2026y / October / 26, 6, 30)));  // Monday 07:30 CET
  CHECK(is_open(h, utc(2026y / October / 26, 7, 0)));         // Monday 08:00 CET
}

TEST_CASE("business hours: closed dates are local dates and win over everything") {
  auto h = parsed(R"("timezone":"Asia/Tokyo","weekly":{"thu":[["00:00","24:00"]],"wed":[["00:00","24:00"]]},
                     "closed_dates":["2026-12-31","2026-12-31","2027-01-01"],
                     "open_dates":[{"date":"2026-12-31","hours":[["09:00","12:00"]]}])");
  // Thursday 2026-12-31 in Tokyo starts at 2026-12-30 15:00 UTC.
  CHECK(is_open(h, utc(2026y / December / 30, 15, 0) - kTick));  // Wednesday 23:59:59 JST
  CHECK_FALSE(is_open(h, utc(2026y / December / 30, 15, 0)));   // Thursday 00:00 JST, closed date
  CHECK_FALSE(is_open(h, utc(2026y / December / 31, 1, 0)));    // 10:00 JST: the open_dates entry loses
  CHECK_FALSE(is_open(h, utc(2026y / December / 31, 14, 0)));   // 23:00 JST
  CHECK(h.closed_dates.size() == 2);                             // the duplicate is dropped
  // The same instants in UTC fall on other dates.
  auto in_utc = parsed(R"("timezone":"UTC","weekly":{"wed":[["00:00","24:00"]]},"closed_dates":["2026-12-31"])");
  CHECK(is_open(in_utc, utc(2026y / December / 30, 15, 0)));
}

TEST_CASE("business hours: open_dates open a Sunday, all day or with their own hours") {
  auto h = parsed(R"("timezone":"Asia/Tokyo","weekly":{"fri":[["09:00","18:00"]]},
                     "open_dates":["2026-11-29",{"date":"2026-12-06","hours":[["10:00","12:00"],["13:00","15:00"]]},
                                   {"date":"2026-12-25","hours":[["09:00","12:00"]]}])");
  // Sunday 2026-11-29 JST, all day: 2026-11-28 15:00 UTC to 2026-11-29 15:00 UTC.
  CHECK_FALSE(is_open(h, utc(2026y / November / 28, 15, 0) - kTick));
  CHECK(is_open(h, utc(2026y / November / 28, 15, 0)));
  CHECK(is_open(h, utc(2026y / November / 29, 15, 0) - kTick));
  CHECK_FALSE(is_open(h, utc(2026y / November / 29, 15, 0)));
  // Sunday 2026-12-06 JST with hours 10-12 and 13-15 (UTC 01-03 and 04-06).
  CHECK_FALSE(is_open(h, utc(2026y / December / 6, 1, 0) - kTick));
  CHECK(is_open(h, utc(2026y / December / 6, 1, 0)));
  CHECK_FALSE(is_open(h, utc(2026y / December / 6, 3, 0)));
  CHECK(is_open(h, utc(2026y / December / 6, 4, 0)));
  CHECK_FALSE(is_open(h, utc(2026y / December / 6, 6, 0)));
  // The next Sunday is back to the weekly hours: closed.
  CHECK_FALSE(is_open(h, utc(2026y / December / 13, 2, 0)));
  // Friday 2026-12-25: the entry replaces 09:00-18:00 with 09:00-12:00.
  CHECK(is_open(h, utc(2026y / December / 25, 2, 0)));          // 11:00 JST
  CHECK_FALSE(is_open(h, utc(2026y / December / 25, 4, 0)));    // 13:00 JST
  CHECK(is_open(h, utc(2026y / December / 18, 4, 0)));          // the Friday before: 13:00 JST open
}

TEST_CASE("business hours: no weekly hours and a default value are always closed") {
  auto h = parsed(R"("timezone":"UTC","weekly":{})");
  for (int d = 23; d <= 29; ++d) CHECK_FALSE(is_open(h, utc(2026y / November / d, 12, 0)));
  CHECK_FALSE(is_open(BusinessHours{}, utc(2026y / November / 23, 12, 0)));
}

TEST_CASE("business hours: errors name the state and the field") {
  struct Case {
    std::string settings;
    std::string message;
  };
  const std::string tz = R"("timezone":"UTC",)";
  const std::vector<Case> cases = {
      {R"("timezone":"Asia/Tokio","weekly":{})", "state 'hours': field 'timezone': unknown time zone 'Asia/Tokio'"},
      {R"("timezone":"localtime","weekly":{})", "state 'hours': field 'timezone': unknown time zone 'localtime'"},
      {R"("timezone":"","weekly":{})", "state 'hours': field 'timezone': unknown time zone ''"},
      {R"("weekly":{})", "state 'hours': field 'timezone': is required"},
      {R"("timezone":9,"weekly":{})", "state 'hours': field 'timezone': must be a string (an IANA time zone such as 'Asia/Tokyo')"},
      {R"("timezone":"UTC")", "state 'hours': field 'weekly': is required (an object; {} for no weekly hours)"},
      {tz + R"("weekly":[["09:00","18:00"]])",
       R"(state 'hours': field 'weekly': must be an object: day (mon..sun) -> list of ["HH:MM", "HH:MM"] pairs)"},
      {tz + R"("weekly":{"fri":[["09:00","12:00"],["13:00","12:00"]]})",
       "state 'hours': field 'weekly.fri[1]': close 12:00 is not after open 13:00"},
      {tz + R"("weekly":{"mon":[["09:00","09:00"]]})", "state 'hours': field 'weekly.mon[0]': close 09:00 is not after open 09:00"},
      {tz + R"("weekly":{"mon":[["24:00","24:00"]]})", "state 'hours': field 'weekly.mon[0]': close 24:00 is not after open 24:00"},
      {tz + R"("weekly":{"mon":[["25:00","26:00"]]})", "state 'hours': field 'weekly.mon[0]': bad time '25:00' (expected HH:MM, 00:00 to 24:00)"},
      {tz + R"("weekly":{"mon":[["9:00","18:00"]]})", "state 'hours': field 'weekly.mon[0]': bad time '9:00' (expected HH:MM, 00:00 to 24:00)"},
      {tz + R"("weekly":{"mon":[["09:00","09:60"]]})", "state 'hours': field 'weekly.mon[0]': bad time '09:60' (expected HH:MM, 00:00 to 24:00)"},
      {tz + R"("weekly":{"mon":[["09:00","24:01"]]})", "state 'hours': field 'weekly.mon[0]': bad time '24:01' (expected HH:MM, 00:00 to 24:00)"},
      {tz + R"("weekly":{"mon":[["09:00","1800"]]})", "state 'hours': field 'weekly.mon[0]': bad time '1800' (expected HH:MM, 00:00 to 24:00)"},
      {tz + R"("weekly":{"mon":[["09:00","-8:00"]]})", "state 'hours': field 'weekly.mon[0]': bad time '-8:00' (expected HH:MM, 00:00 to 24:00)"},
      {tz + R"("weekly":{"mon":[["0x:00","18:00"]]})", "state 'hours': field 'weekly.mon[0]': bad time '0x:00' (expected HH:MM, 00:00 to 24:00)"},
      {tz + R"("weekly":{"fri":[["09:00","12:00"],["11:00","13:00"]]})",
       "state 'hours': field 'weekly.fri[1]': 11:00-13:00 overlaps 09:00-12:00 at [0]"},
      {tz + R"("weekly":{"fri":[["13:00","18:00"],["08:00","20:00"]]})",
       "state 'hours': field 'weekly.fri[1]': 08:00-20:00 overlaps 13:00-18:00 at [0]"},
      {tz + R"("weekly":{"mon2":[["09:00","18:00"]]})",
       "state 'hours': field 'weekly.mon2': unknown day (expected mon, tue, wed, thu, fri, sat or sun)"},
      {tz + R"("weekly":{"Mon":[]})", "state 'hours': field 'weekly.Mon': unknown day (expected mon, tue, wed, thu, fri, sat or sun)"},
      {tz + R"("weekly":{"mon":[],"mon":[]})", "state 'hours': field 'weekly.mon': day given twice"},
      {tz + R"("weekly":{"mon":"09:00-18:00"})", R"(state 'hours': field 'weekly.mon': must be a list of ["HH:MM", "HH:MM"] pairs)"},
      {tz + R"("weekly":{"mon":["09:00","18:00"]})", R"(state 'hours': field 'weekly.mon[0]': must be a pair ["HH:MM", "HH:MM"])"},
      {tz + R"("weekly":{"mon":[["09:00","12:00","18:00"]]})", R"(state 'hours': field 'weekly.mon[0]': must be a pair ["HH:MM", "HH:MM"])"},
      {tz + R"("weekly":{"mon":[[900,1800]]})", R"(state 'hours': field 'weekly.mon[0]': must be a pair ["HH:MM", "HH:MM"])"},
      {tz + R"("weekly":{"mon":[["00:00","01:00"],["01:00","02:00"],["02:00","03:00"],["03:00","04:00"],["04:00","05:00"],
                                ["05:00","06:00"],["06:00","07:00"],["07:00","08:00"],["08:00","09:00"],["09:00","10:00"],
                                ["10:00","11:00"]]})",
       "state 'hours': field 'weekly.mon': more than 10 intervals"},
      {tz + R"("weekly":{},"closed_dates":["2026-02-30"])", "state 'hours': field 'closed_dates[0]': bad date '2026-02-30' (expected YYYY-MM-DD)"},
      {tz + R"("weekly":{},"closed_dates":["2026-12-31","2026-1-05"])", "state 'hours': field 'closed_dates[1]': bad date '2026-1-05' (expected YYYY-MM-DD)"},
      {tz + R"("weekly":{},"closed_dates":["2026/12/31"])", "state 'hours': field 'closed_dates[0]': bad date '2026/12/31' (expected YYYY-MM-DD)"},
      {tz + R"("weekly":{},"closed_dates":["2026-13-01"])", "state 'hours': field 'closed_dates[0]': bad date '2026-13-01' (expected YYYY-MM-DD)"},
      {tz + R"("weekly":{},"closed_dates":[20261231])", R"(state 'hours': field 'closed_dates[0]': must be a "YYYY-MM-DD" date)"},
      {tz + R"("weekly":{},"closed_dates":"2026-12-31")", R"(state 'hours': field 'closed_dates': must be a list of "YYYY-MM-DD" dates)"},
      {tz + R"("weekly":{},"open_dates":["2027-02-29"])", "state 'hours': field 'open_dates[0]': bad date '2027-02-29' (expected YYYY-MM-DD)"},
      {tz + R"("weekly":{},"open_dates":[{"date":"2026-12-06","hours":[["15:00","13:00"]]}])",
       "state 'hours': field 'open_dates[0].hours[0]': close 13:00 is not after open 15:00"},
      {tz + R"("weekly":{},"open_dates":[{"date":"2026-12-06"}])",
       R"(state 'hours': field 'open_dates[0].hours': is required (give the date as a plain "YYYY-MM-DD" to open all day))"},
      {tz + R"("weekly":{},"open_dates":[{"hours":[]}])", "state 'hours': field 'open_dates[0].date': is required"},
      {tz + R"("weekly":{},"open_dates":[{"date":"2026-12-06","hours":[],"note":"x"}])",
       "state 'hours': field 'open_dates[0].note': unknown key (expected date, hours)"},
      {tz + R"("weekly":{},"open_dates":["2026-12-06","2026-12-07",{"date":"2026-12-06","hours":[]}])",
       "state 'hours': field 'open_dates[2]': date 2026-12-06 is listed twice"},
  };
  for (const auto& c : cases) {
    INFO(c.settings);
    CHECK(error_of(c.settings) == c.message);
  }
}

TEST_CASE("business hours: at most 500 dates per list") {
  auto dates = [](int n) {
    std::string s;
    auto day = sys_days(2026y / January / 1);
    for (int i = 0; i < n; ++i) {
      year_month_day ymd{day + days(i)};
      char buf[16];
      std::snprintf(buf, sizeof buf, "\"%04d-%02u-%02u\"", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                    static_cast<unsigned>(ymd.day()));
      s += (i ? "," : "") + std::string(buf);
    }
    return "[" + s + "]";
  };
  auto h = parsed(R"("timezone":"UTC","weekly":{},"closed_dates":)" + dates(500) + R"(,"open_dates":)" + dates(500));
  CHECK(h.closed_dates.size() == 500);
  CHECK(error_of(R"("timezone":"UTC","weekly":{},"closed_dates":)" + dates(501)) ==
        "state 'hours': field 'closed_dates': more than 500 dates");
  CHECK(error_of(R"("timezone":"UTC","weekly":{},"open_dates":)" + dates(501)) ==
        "state 'hours': field 'open_dates': more than 500 dates");
}
