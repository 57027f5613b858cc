#include "common/time.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace callrouter {

std::string format_rfc3339(Timestamp t) {
  using namespace std::chrono;
  auto day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss hms{t - day};
  const auto micros = hms.subseconds().count();
  // Digits written straight into one buffer: this runs several times per webhook (every time in
  // a call record or event), and two fmt::format calls plus appends cost three allocations.
  char buf[40];
  char* p = buf;
  auto digits = [&p](long long v, int width) {
    for (int i = width - 1; i >= 0; --i, v /= 10) p[i] = static_cast<char>('0' + v % 10);
    p += width;
  };
  const int year = static_cast<int>(ymd.year());
  if (year < 0 || year > 9999) {
    // Outside what four digits hold (never a real call time): the general formatter.
    auto base = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", year, static_cast<unsigned>(ymd.month()),
                            static_cast<unsigned>(ymd.day()), hms.hours().count(), hms.minutes().count(),
                            hms.seconds().count());
    if (micros != 0) base += fmt::format(".{:06}", micros);
    return base + 'Z';
  }
  digits(year, 4);
  *p++ = '-';
  digits(static_cast<unsigned>(ymd.month()), 2);
  *p++ = '-';
  digits(static_cast<unsigned>(ymd.day()), 2);
  *p++ = 'T';
  digits(hms.hours().count(), 2);
  *p++ = ':';
  digits(hms.minutes().count(), 2);
  *p++ = ':';
  digits(hms.seconds().count(), 2);
  if (micros != 0) {
    *p++ = '.';
    digits(micros, 6);
  }
  *p++ = 'Z';
  return std::string(buf, p);
}

namespace {

// "YYYY-MM-DDTHH:MM:SS[.f…]Z" exactly as format_rfc3339 writes it: read without sscanf, which
// costs more than the rest of decoding a stored call (an export decodes millions).
std::optional<Timestamp> parse_canonical_rfc3339(std::string_view s) {
  using namespace std::chrono;
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') return std::nullopt;
  auto num = [&](std::size_t at, std::size_t len) {
    int v = 0;
    for (std::size_t i = at; i < at + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  const int y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2), sec = num(17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0) return std::nullopt;
  std::size_t i = 19;
  long micros = 0;
  if (s[i] == '.') {
    long scale = 100000;
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      micros += (s[i] - '0') * scale;
      scale /= 10;
    }
  }
  if (i + 1 != s.size() || s[i] != 'Z') return std::nullopt;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  return Timestamp(sys_days(ymd) + hours(h) + minutes(mi) + seconds(sec) + microseconds(micros));
}

}  // namespace

std::optional<Timestamp> parse_rfc3339(std::string_view s) {
  using namespace std::chrono;
  if (auto t = parse_canonical_rfc3339(s)) return t;
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
