#include "analytics/time_slots.hpp"

#include <date/tz.h>
#include <fmt/format.h>

namespace callrouter::analytics {
namespace {

using std::chrono::seconds;

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

std::string offset_text(seconds offset) {
  const auto minutes = offset.count() / 60;
  const auto abs = minutes < 0 ? -minutes : minutes;
  return fmt::format("{}{:02}:{:02}", minutes < 0 ? '-' : '+', abs / 60, abs % 60);
}

}  // namespace

Timestamp slot_floor(Timestamp t) {
  const auto s = std::chrono::floor<seconds>(t).time_since_epoch().count();
  return slot_at(floor_div(s, kSlot.count()) * kSlot.count());
}

Timestamp slot_ceil(Timestamp t) {
  const auto f = slot_floor(t);
  return f == t ? f : f + kSlot;
}

std::int64_t slot_seconds(Timestamp slot_start) {
  return std::chrono::floor<seconds>(slot_start).time_since_epoch().count();
}

Timestamp slot_at(std::int64_t s) { return Timestamp(seconds(s)); }

std::optional<std::vector<LocalBucket>> local_buckets(std::string_view zone_name, Period period, Timestamp since,
                                                      Timestamp until) {
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(zone_name);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  std::vector<LocalBucket> out;
  // The zone's offset, looked up again only when a slot leaves the span it holds for.
  date::sys_info info{};
  bool have_info = false;
  auto offset_at = [&](Timestamp t) {
    const auto s = std::chrono::floor<seconds>(t);
    if (!have_info || s < info.begin || s >= info.end) {
      info = zone->get_info(s);
      have_info = true;
    }
    return info.offset;
  };
  const std::int64_t length = period == Period::hour ? 3600 : 86400;
  for (auto t = since; t < until; t += kSlot) {
    const auto offset = offset_at(t);
    const std::int64_t local = slot_seconds(t) + offset.count();
    const bool boundary = local - floor_div(local, length) * length == 0;
    if (!boundary && !out.empty()) continue;
    if (!out.empty()) out.back().end = t;
    // The label is the wall clock of the bucket's first instant (its hour or day, when cut).
    const std::int64_t local_start = floor_div(local, length) * length;
    const auto day = date::floor<date::days>(date::sys_seconds(seconds(local_start)));
    const date::year_month_day ymd{day};
    std::string label = fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                                    static_cast<unsigned>(ymd.day()));
    if (period == Period::hour) {
      const auto hour = (local_start - floor_div(local_start, 86400) * 86400) / 3600;
      label += fmt::format("T{:02}:00:00{}", hour, offset_text(offset));
    }
    out.push_back({t, until, std::move(label)});
  }
  return out;
}

}  // namespace callrouter::analytics
