// Times in an IANA time zone for people: "2026-12-01 09:15:41 +09:00", the wall clock of the zone
// with its offset, so a row read in another country is still unambiguous. Date/tz stays in the .cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/time.hpp"

namespace date {
class time_zone;
}

namespace callrouter::history {

// One zone, with the offset of the last instant formatted kept: rows of one export mostly share
// an offset, so the zone's rules are looked up once per change of offset, not once per time.
class LocalClock {
 public:
  // None for a name the tz database does not know.
  static std::optional<LocalClock> in_zone(std::string_view iana_name);

  // Appends "YYYY-MM-DD HH:MM:SS +HH:MM" (seconds precision).
  void append(std::string& out, Timestamp t);
  // "YYYY-MM-DD": the date on the zone's wall clock at `t`.
  std::string date_of(Timestamp t);
  // The instant the zone's wall clock shows midnight starting `ymd` ("YYYY-MM-DD"); none when
  // the text is not such a date.
  std::optional<Timestamp> midnight_of(std::string_view ymd) const;

 private:
  explicit LocalClock(const date::time_zone* zone) : zone_(zone) {}
  std::chrono::seconds offset_at(Timestamp t);

  const date::time_zone* zone_;  // owned by the process-wide tz database
  Timestamp valid_from_{Timestamp::max()};
  Timestamp valid_until_{Timestamp::min()};
  std::chrono::seconds offset_{0};
};

}  // namespace callrouter::history
