#include "history/local_time.hpp"

#include <date/tz.h>

#include <charconv>

namespace callrouter::history {
namespace {

void two_digits(std::string& out, unsigned v) {
  out.push_back(static_cast<char>('0' + v / 10 % 10));
  out.push_back(static_cast<char>('0' + v % 10));
}

}  // namespace

std::optional<LocalClock> LocalClock::in_zone(std::string_view iana_name) {
  try {
    return LocalClock(date::locate_zone(iana_name));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::chrono::seconds LocalClock::offset_at(Timestamp t) {
  if (t < valid_from_ || t >= valid_until_) {
    const auto info = zone_->get_info(std::chrono::floor<std::chrono::seconds>(t));
    offset_ = info.offset;
    valid_from_ = info.begin;
    valid_until_ = info.end;
  }
  return offset_;
}

void LocalClock::append(std::string& out, Timestamp t) {
  using namespace std::chrono;
  const auto offset = offset_at(t);
  const auto local = floor<seconds>(t) + offset;
  const auto day = floor<days>(local);
  const year_month_day ymd{day};
  const hh_mm_ss hms{local - day};
  const int y = static_cast<int>(ymd.year());
  char year[8];
  auto [end, ec] = std::to_chars(year, year + sizeof year, y);
  (void)ec;
  out.append(year, end);
  out.push_back('-');
  two_digits(out, static_cast<unsigned>(ymd.month()));
  out.push_back('-');
  two_digits(out, static_cast<unsigned>(ymd.day()));
  out.push_back(' ');
  two_digits(out, static_cast<unsigned>(hms.hours().count()));
  out.push_back(':');
  two_digits(out, static_cast<unsigned>(hms.minutes().count()));
  out.push_back(':');
  two_digits(out, static_cast<unsigned>(hms.seconds().count()));
  out.push_back(' ');
  const auto minutes_east = duration_cast<minutes>(offset).count();
  out.push_back(minutes_east < 0 ? '-' : '+');
  const auto abs_minutes = static_cast<unsigned>(minutes_east < 0 ? -minutes_east : minutes_east);
  two_digits(out, abs_minutes / 60);
  out.push_back(':');
  two_digits(out, abs_minutes % 60);
}

std::string LocalClock::date_of(Timestamp t) {
  std::string text;
  append(text, t);
  return text.substr(0, text.find(' '));
}

std::optional<Timestamp> LocalClock::midnight_of(std::string_view text) const {
  using namespace std::chrono;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto number = [&](std::size_t at, std::size_t len) -> std::optional<unsigned> {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(text.data() + at, text.data() + at + len, v);
    if (ec != std::errc() || p != text.data() + at + len) return std::nullopt;
    return v;
  };
  auto y = number(0, 4), m = number(5, 2), d = number(8, 2);
  if (!y || !m || !d) return std::nullopt;
  const year_month_day ymd{year{static_cast<int>(*y)}, month{*m}, day{*d}};
  if (!ymd.ok()) return std::nullopt;
  // A midnight that a DST change skips becomes the first instant after the gap.
  const auto zoned = date::make_zoned(zone_, date::local_days{date::year{static_cast<int>(*y)} / *m / *d},
                                      date::choose::earliest);
  return time_point_cast<microseconds>(zoned.get_sys_time());
}

}  // namespace callrouter::history
