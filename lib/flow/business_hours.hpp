// The `business_hours` state's settings (FLOWS.md): an IANA time zone, weekly opening hours,
// closed dates and open-date exceptions, parsed once from the flow and checked per call.
#pragma once

#include <simdjson.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/expected.hpp"
#include "common/time.hpp"

namespace date {
class time_zone;  // <date/tz.h> stays out of this header: only business_hours.cpp needs it.
}

namespace callrouter::flow {

inline constexpr std::size_t kMaxIntervalsPerDay = 10;
inline constexpr std::size_t kMaxBusinessDates = 500;  // per list: closed_dates, open_dates
inline constexpr std::uint16_t kMinutesPerDay = 24 * 60;

// [open, close) in minutes since local midnight; close may be 1440 ("24:00").
struct OpenInterval {
  std::uint16_t open = 0;
  std::uint16_t close = 0;
};

// One day's hours, stored inline so that checking them touches no heap. Sorted by `open`, disjoint.
struct DayHours {
  std::array<OpenInterval, kMaxIntervalsPerDay> intervals{};
  std::uint8_t count = 0;

  bool contains(std::uint16_t minute) const {
    for (std::uint8_t i = 0; i < count; ++i) {
      if (minute >= intervals[i].open && minute < intervals[i].close) return true;
    }
    return false;
  }
};

struct DateHours {
  std::chrono::local_days date;
  DayHours hours;
};

struct BusinessHours {
  // From date::locate_zone: owned by the process-wide tz database, valid for the process lifetime.
  // nullptr (a default-constructed value) means "always closed".
  const date::time_zone* zone = nullptr;
  std::array<DayHours, 7> weekly{};  // indexed by weekday c_encoding: 0 = Sunday
  std::vector<std::chrono::local_days> closed_dates;  // sorted, unique
  std::vector<DateHours> open_dates;  // sorted by date, one entry per date
};

// Parses the business-hours fields of one state's JSON object: "timezone" (required), "weekly"
// (required, may be {}), "closed_dates", "open_dates". Other keys (id, type, on, ...) are ignored:
// the caller validates them. Errors read "state '<id>': field '<path>': <what>".
// Loads the zone's rules here, so that is_open never does file I/O.
Expected<BusinessHours> parse_business_hours(simdjson::dom::object state, std::string_view state_id);

// Open at `now`? The local date and time come from the zone's rules (DST included). A closed date
// wins over everything; an open_dates entry replaces the weekly hours of its local date.
// No allocation, no string work: one binary search over the zone's transitions (date's to_local),
// then binary searches over the dates and a scan of at most 10 intervals.
bool is_open(const BusinessHours& hours, Timestamp now);

}  // namespace callrouter::flow
