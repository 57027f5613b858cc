#include "common/time.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace callrouter {

std::string format_rfc3339(Timestamp t) {
  using namespace std::chrono;
  auto day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss hms{t - day};
  auto micros = hms.subseconds().count();
  auto base = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                          static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                          hms.hours().count(), hms.minutes().count(), hms.seconds().count());
  if (micros != 0) base += fmt::format(".{:06}", micros);
  base += 'Z';
  return base;
}

std::optional<Timestamp> parse_rfc3339(std::string_view s) {
  using namespace std::chrono;
  int y, mo, d, h, mi, sec;
  char tail[16] = {};
  std::string copy(s.substr(0, 40));
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%15s", &y, &mo, &d, &h, &mi, &sec, tail) < 6) {
    return std::nullopt;
  }
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  std::string_view rest(tail);
  long micros = 0;
  if (rest.starts_with('.')) {
    std::size_t i = 1;
    long scale = 100000;
    for (; i < rest.size() && rest[i] >= '0' && rest[i] <= '9'; ++i) {
      micros += (rest[i] - '0') * scale;
      scale /= 10;
    }
    rest.remove_prefix(i);
  }
  if (rest != "Z") return std::nullopt;
  return Timestamp(sys_days(ymd) + hours(h) + minutes(mi) + seconds(sec) + microseconds(micros));
}

}  // namespace callrouter

namespace callrouter {

std::optional<Timestamp> parse_rfc2822(std::string_view s) {
  using namespace std::chrono;
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (auto comma = s.find(','); comma != std::string_view::npos) s.remove_prefix(comma + 1);
  std::string copy(s.substr(0, 64));
  int d, y, h, mi, sec;
  char mon[4] = {};
  char zone[8] = {};
  if (std::sscanf(copy.c_str(), " %2d %3s %4d %2d:%2d:%2d %7s", &d, mon, &y, &h, &mi, &sec, zone) != 7) {
    return std::nullopt;
  }
  unsigned m = 0;
  for (unsigned i = 0; i < 12; ++i) {
    if (kMonths[i] == mon) m = i + 1;
  }
  std::string_view z(zone);
  if (m == 0 || z.size() != 5 || (z[0] != '+' && z[0] != '-')) return std::nullopt;
  for (char c : z.substr(1)) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  int offset_min = ((z[1] - '0') * 10 + (z[2] - '0')) * 60 + (z[3] - '0') * 10 + (z[4] - '0');
  if (z[0] == '-') offset_min = -offset_min;
  year_month_day ymd{year{y}, month{m}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  return Timestamp(sys_days(ymd) + hours(h) + minutes(mi) + seconds(sec) - minutes(offset_min));
}

}  // namespace callrouter
