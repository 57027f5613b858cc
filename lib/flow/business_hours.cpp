#include "flow/business_hours.hpp"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <optional>
#include <string>

// Debian's libdate-tz is built with USE_OS_TZDB=1 (reads /usr/share/zoneinfo, never downloads);
// its time_zone/tzdb layouts differ without it. CMake's date::date-tz target sets it.
#if !USE_OS_TZDB
#error "compile with -DUSE_OS_TZDB=1 (or link the CMake target date::date-tz), as libdate-tz was built"
#endif

namespace callrouter::flow {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

// JSON day names in weekday c_encoding order (0 = Sunday), the index of BusinessHours::weekly.
constexpr std::array<std::string_view, 7> kDayNames = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
constexpr std::string_view kPairShape = R"(must be a list of ["HH:MM", "HH:MM"] pairs)";

// Bad input is echoed back only when short: error messages end up in API responses and logs.
std::string quoted(std::string_view s) {
  if (s.size() > 40) return {};
  return fmt::format(" '{}'", s);
}

std::string hhmm(std::uint16_t minutes) { return fmt::format("{:02}:{:02}", minutes / 60, minutes % 60); }

bool digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int number(std::string_view s) {
  int n = 0;
  for (char c : s) n = n * 10 + (c - '0');
  return n;
}

// Strictly "HH:MM", 00:00 to 24:00; minutes since midnight.
std::optional<std::uint16_t> parse_time_of_day(std::string_view s) {
  if (s.size() != 5 || s[2] != ':' || !digits(s.substr(0, 2)) || !digits(s.substr(3, 2))) return std::nullopt;
  int h = number(s.substr(0, 2));
  int m = number(s.substr(3, 2));
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return std::nullopt;
  return static_cast<std::uint16_t>(h * 60 + m);
}

// Strictly "YYYY-MM-DD", a real calendar date.
std::optional<std::chrono::local_days> parse_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !digits(s.substr(0, 4)) || !digits(s.substr(5, 2)) ||
      !digits(s.substr(8, 2))) {
    return std::nullopt;
  }
  std::chrono::year_month_day ymd{std::chrono::year{number(s.substr(0, 4))},
                                  std::chrono::month{static_cast<unsigned>(number(s.substr(5, 2)))},
                                  std::chrono::day{static_cast<unsigned>(number(s.substr(8, 2)))}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::local_days{ymd};
}

// Reads the fields into `out`; on the first error stops and keeps the message.
class HoursParser {
 public:
  HoursParser(std::string_view state, BusinessHours& out) : state_(state), out_(out) {}

  const std::string& error() const { return error_; }

  bool timezone(object o) {
    element e;
    if (o["timezone"].get(e) != simdjson::SUCCESS) return fail("timezone", "is required");
    std::string_view name;
    if (e.get(name) != simdjson::SUCCESS) return fail("timezone", "must be a string (an IANA time zone such as 'Asia/Tokyo')");
    try {
      date::get_tzdb();
    } catch (const std::exception& ex) {
      return fail("timezone", fmt::format("time zone database unavailable (is tzdata installed?): {}", ex.what()));
    }
    // "localtime" is /usr/share/zoneinfo/localtime -> /etc/localtime: the server's zone, not an IANA name.
    if (name != "localtime") {
      try {
        const date::time_zone* zone = date::locate_zone(name);
        // The zone's rules are read from its file on first use; do it now, not on a call.
        (void)zone->get_info(date::sys_seconds{});
        out_.zone = zone;
        return true;
      } catch (const std::exception&) {
        // Not in the database, or its file is unreadable: either way unusable.
      }
    }
    if (name.size() > 64) return fail("timezone", "unknown time zone (longer than 64 bytes)");
    return fail("timezone", fmt::format("unknown time zone '{}'", name));
  }

  bool weekly(object o) {
    element e;
    if (o["weekly"].get(e) != simdjson::SUCCESS) return fail("weekly", "is required (an object; {} for no weekly hours)");
    object days;
    if (e.get(days) != simdjson::SUCCESS) {
      return fail("weekly", R"(must be an object: day (mon..sun) -> list of ["HH:MM", "HH:MM"] pairs)");
    }
    std::array<bool, 7> seen{};
    for (auto [key, value] : days) {
      auto field = fmt::format("weekly.{}", key.size() > 40 ? std::string_view("…") : key);
      auto it = std::find(kDayNames.begin(), kDayNames.end(), key);
      if (it == kDayNames.end()) return fail(field, "unknown day (expected mon, tue, wed, thu, fri, sat or sun)");
      auto day = static_cast<std::size_t>(it - kDayNames.begin());
      if (seen[day]) return fail(field, "day given twice");
      seen[day] = true;
      if (!day_hours(value, field, out_.weekly[day])) return false;
    }
    return true;
  }

  bool closed_dates(object o) {
    element e;
    if (o["closed_dates"].get(e) != simdjson::SUCCESS) return true;
    array list;
    if (e.get(list) != simdjson::SUCCESS) return fail("closed_dates", R"(must be a list of "YYYY-MM-DD" dates)");
    if (list.size() > kMaxBusinessDates) return fail("closed_dates", fmt::format("more than {} dates", kMaxBusinessDates));
    std::size_t i = 0;
    for (element item : list) {
      auto parsed = date_of(item, fmt::format("closed_dates[{}]", i++));
      if (!parsed) return false;
      out_.closed_dates.push_back(*parsed);
    }
    // Listing a date twice is harmless: it is closed either way.
    std::sort(out_.closed_dates.begin(), out_.closed_dates.end());
    out_.closed_dates.erase(std::unique(out_.closed_dates.begin(), out_.closed_dates.end()), out_.closed_dates.end());
    return true;
  }

  // Items: "YYYY-MM-DD" (open all day) or {"date": "YYYY-MM-DD", "hours": [[open, close], ...]}.
  bool open_dates(object o) {
    element e;
    if (o["open_dates"].get(e) != simdjson::SUCCESS) return true;
    array list;
    if (e.get(list) != simdjson::SUCCESS) {
      return fail("open_dates", R"(must be a list of "YYYY-MM-DD" dates or {"date": ..., "hours": [...]} objects)");
    }
    if (list.size() > kMaxBusinessDates) return fail("open_dates", fmt::format("more than {} dates", kMaxBusinessDates));
    std::size_t i = 0;
    for (element item : list) {
      auto field = fmt::format("open_dates[{}]", i++);
      DateHours entry;
      object exception;
      if (item.get(exception) == simdjson::SUCCESS) {
        for (auto [key, value] : exception) {
          (void)value;
          if (key != "date" && key != "hours") {
            return fail(fmt::format("{}.{}", field, key.size() > 40 ? std::string_view("…") : key),
                        "unknown key (expected date, hours)");
          }
        }
        element date_e;
        element hours_e;
        if (exception["date"].get(date_e) != simdjson::SUCCESS) return fail(field + ".date", "is required");
        if (exception["hours"].get(hours_e) != simdjson::SUCCESS) {
          return fail(field + ".hours", R"(is required (give the date as a plain "YYYY-MM-DD" to open all day))");
        }
        auto parsed = date_of(date_e, field + ".date");
        if (!parsed) return false;
        entry.date = *parsed;
        if (!day_hours(hours_e, field + ".hours", entry.hours)) return false;
      } else {
        auto parsed = date_of(item, field);
        if (!parsed) return false;
        entry.date = *parsed;
        entry.hours.intervals[0] = {0, kMinutesPerDay};
        entry.hours.count = 1;
      }
      // Two entries for one date would be ambiguous (at most 500 entries: quadratic is fine).
      for (const auto& earlier : out_.open_dates) {
        if (earlier.date == entry.date) {
          std::chrono::year_month_day ymd{entry.date};
          return fail(field, fmt::format("date {:04}-{:02}-{:02} is listed twice", static_cast<int>(ymd.year()),
                                         static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day())));
        }
      }
      out_.open_dates.push_back(entry);
    }
    std::sort(out_.open_dates.begin(), out_.open_dates.end(),
              [](const DateHours& a, const DateHours& b) { return a.date < b.date; });
    return true;
  }

 private:
  bool fail(std::string_view field, std::string_view what) {
    error_ = fmt::format("state '{}': field '{}': {}", state_, field, what);
    return false;
  }

  std::optional<std::chrono::local_days> date_of(element e, const std::string& field) {
    std::string_view s;
    if (e.get(s) != simdjson::SUCCESS) {
      fail(field, R"(must be a "YYYY-MM-DD" date)");
      return std::nullopt;
    }
    auto parsed = parse_date(s);
    if (!parsed) fail(field, fmt::format("bad date{} (expected YYYY-MM-DD)", quoted(s)));
    return parsed;
  }

  // A list of ["HH:MM", "HH:MM"] pairs: open < close, disjoint. Stored sorted by open.
  bool day_hours(element e, const std::string& field, DayHours& out) {
    array list;
    if (e.get(list) != simdjson::SUCCESS) return fail(field, kPairShape);
    if (list.size() > kMaxIntervalsPerDay) return fail(field, fmt::format("more than {} intervals", kMaxIntervalsPerDay));
    std::size_t i = 0;
    for (element item : list) {
      auto item_field = fmt::format("{}[{}]", field, i);
      array pair;
      std::string_view open_s;
      std::string_view close_s;
      if (item.get(pair) != simdjson::SUCCESS || pair.size() != 2 || pair.at(0).get(open_s) != simdjson::SUCCESS ||
          pair.at(1).get(close_s) != simdjson::SUCCESS) {
        return fail(item_field, R"(must be a pair ["HH:MM", "HH:MM"])");
      }
      auto open = parse_time_of_day(open_s);
      if (!open) return fail(item_field, fmt::format("bad time{} (expected HH:MM, 00:00 to 24:00)", quoted(open_s)));
      auto close = parse_time_of_day(close_s);
      if (!close) return fail(item_field, fmt::format("bad time{} (expected HH:MM, 00:00 to 24:00)", quoted(close_s)));
      if (*close <= *open) {
        return fail(item_field, fmt::format("close {} is not after open {}", hhmm(*close), hhmm(*open)));
      }
      OpenInterval interval{*open, *close};
      for (std::size_t j = 0; j < i; ++j) {
        const auto& other = out.intervals[j];
        if (interval.open < other.close && other.open < interval.close) {
          return fail(item_field, fmt::format("{}-{} overlaps {}-{} at [{}]", hhmm(interval.open), hhmm(interval.close),
                                              hhmm(other.open), hhmm(other.close), j));
        }
      }
      out.intervals[i++] = interval;
    }
    out.count = static_cast<std::uint8_t>(i);
    std::sort(out.intervals.begin(), out.intervals.begin() + out.count,
              [](const OpenInterval& a, const OpenInterval& b) { return a.open < b.open; });
    return true;
  }

  std::string_view state_;
  BusinessHours& out_;
  std::string error_;
};

}  // namespace

Expected<BusinessHours> parse_business_hours(simdjson::dom::object state, std::string_view state_id) {
  BusinessHours hours;
  HoursParser p(state_id, hours);
  if (!p.timezone(state) || !p.weekly(state) || !p.closed_dates(state) || !p.open_dates(state)) {
    return unexpected(p.error());
  }
  return hours;
}

bool is_open(const BusinessHours& hours, Timestamp now) {
  if (hours.zone == nullptr) return false;
  // to_local: upper_bound over the zone's transitions (loaded at parse time), no allocation.
  const auto local = hours.zone->to_local(now);
  const auto midnight = date::floor<date::days>(local);
  const auto minute = static_cast<std::uint16_t>(date::floor<std::chrono::minutes>(local - midnight).count());
  const std::chrono::local_days day{std::chrono::days{midnight.time_since_epoch().count()}};

  if (std::binary_search(hours.closed_dates.begin(), hours.closed_dates.end(), day)) return false;
  auto exception = std::lower_bound(hours.open_dates.begin(), hours.open_dates.end(), day,
                                    [](const DateHours& d, std::chrono::local_days x) { return d.date < x; });
  if (exception != hours.open_dates.end() && exception->date == day) return exception->hours.contains(minute);
  return hours.weekly[std::chrono::weekday{day}.c_encoding()].contains(minute);
}

}  // namespace callrouter::flow
