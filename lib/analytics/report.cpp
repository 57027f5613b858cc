#include "analytics/report.hpp"

#include <fmt/format.h>

#include <charconv>

#include "analytics/time_slots.hpp"
#include "history/local_time.hpp"

namespace callrouter::analytics {
namespace {

Expected<AnalyticsQuery> bad(std::string_view name, std::string_view why) {
  return unexpected(fmt::format("query '{}': {}", name, why));
}

void ratio(JsonWriter& w, std::string_view key, std::int64_t num, std::int64_t den) {
  w.key(key);
  if (den <= 0) {
    w.null();
    return;
  }
  // Four decimals: a share to 0.01 %, a mean to 0.1 ms; never NaN (JSON has none).
  w.raw(fmt::format("{:.4f}", static_cast<double>(num) / static_cast<double>(den)));
}

}  // namespace

std::string_view by_name(By by) {
  switch (by) {
    case By::hour: return "hour";
    case By::day: return "day";
    case By::user: return "user";
    case By::group: return "group";
    case By::number: return "number";
    case By::flow: return "flow";
  }
  return "day";
}

Expected<AnalyticsQuery> parse_analytics_query(std::span<const QueryParam> params, std::string_view org_tz, Timestamp now) {
  AnalyticsQuery q;
  q.tz = org_tz.empty() ? "UTC" : std::string(org_tz);
  for (const auto& [name, value] : params) {
    if (name != "tz") continue;
    if (!history::LocalClock::in_zone(value)) return bad(name, "must be an IANA time zone such as Asia/Tokyo");
    q.tz = value;
  }
  auto clock = history::LocalClock::in_zone(q.tz);
  if (!clock) {
    q.tz = "UTC";  // an org saved with a zone this tz database lacks
    clock = history::LocalClock::in_zone(q.tz);
  }
  auto read_time = [&](const std::string& value, bool end_of_day) -> std::optional<Timestamp> {
    if (auto t = parse_rfc3339(value)) return t;
    auto midnight = clock->midnight_of(value);
    if (!midnight || !end_of_day) return midnight;
    return clock->midnight_of(clock->date_of(*midnight + std::chrono::hours(36)));
  };
  std::optional<Timestamp> since, until;
  for (const auto& [name, value] : params) {
    if (name == "tz") continue;
    if (name == "since" || name == "until") {
      auto t = read_time(value, name == "until");
      if (!t) return bad(name, "must be an RFC 3339 UTC time (2026-12-01T00:00:00Z) or a date (2026-12-01)");
      (name == "since" ? since : until) = t;
    } else if (name == "by") {
      constexpr std::array<By, 6> all{By::hour, By::day, By::user, By::group, By::number, By::flow};
      bool known = false;
      for (auto b : all) {
        if (by_name(b) == value) {
          q.by = b;
          known = true;
        }
      }
      if (!known) return bad(name, "must be hour, day, user, group, number or flow");
    } else if (name == "sl") {
      q.thresholds.clear();
      std::string_view rest = value;
      while (true) {
        const auto comma = rest.find(',');
        const auto part = rest.substr(0, comma);
        std::int64_t t = 0;
        auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), t);
        if (ec != std::errc() || p != part.data() + part.size() || !answered_within_index(t)) {
          return bad(name, "must be thresholds in seconds from 10, 15, 20, 30, 45, 60, 90, 120, 180, 300 (e.g. 20,30)");
        }
        q.thresholds.push_back(t);
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    } else {
      return bad(name, "not a parameter of this route");
    }
  }
  if (!until) until = now;
  if (!since) since = clock->midnight_of(clock->date_of(*until - std::chrono::microseconds(1)));
  q.since = slot_floor(*since);
  q.until = slot_ceil(*until);
  if (q.until <= q.since) return bad("until", "must be after since");
  const auto span = q.until - q.since;
  if (q.by == By::hour && span > kMaxHourRange) return bad("since", "by=hour covers at most 400 days");
  if (span > kMaxRange) return bad("since", "the range covers at most 3700 days");
  return q;
}

void write_figures(JsonWriter& w, const CallCounters& c, std::span<const std::int64_t> thresholds) {
  static constexpr std::array<std::pair<Figure, std::string_view>, 18> kCounts{{
      {Figure::offered, "offered"},
      {Figure::answered, "answered"},
      {Figure::missed, "missed"},
      {Figure::abandoned, "abandoned"},
      {Figure::voicemail, "voicemail"},
      {Figure::rejected, "rejected"},
      {Figure::failed, "failed"},
      {Figure::outbound_placed, "outbound_placed"},
      {Figure::outbound_answered, "outbound_answered"},
      {Figure::talk_s, "talk_s"},
      {Figure::handled, "handled"},
      {Figure::wrap_up_s, "wrap_up_s"},
      {Figure::queued, "queued"},
      {Figure::queued_answered, "queued_answered"},
      {Figure::queued_abandoned, "queued_abandoned"},
      {Figure::wait_s_sum, "wait_s_sum"},
      {Figure::wait_s_max, "wait_s_max"},
      {Figure::answer_wait_s_sum, "answer_wait_s_sum"},
  }};
  for (const auto& [f, name] : kCounts) w.field(name, c[f]);
  w.key("answered_within").begin_object();
  for (auto t : thresholds) {
    if (auto i = answered_within_index(t)) w.field(fmt::format("{}", t), c.answered_within(*i));
  }
  w.end_object();
  const auto first = thresholds.empty() ? answered_within_index(kDefaultServiceLevelS) : answered_within_index(thresholds[0]);
  ratio(w, "service_level", first ? c.answered_within(*first) : 0, c[Figure::queued]);
  ratio(w, "abandon_rate", c[Figure::queued_abandoned], c[Figure::queued]);
  ratio(w, "missed_rate", c[Figure::missed], c[Figure::offered]);
  ratio(w, "asa_s", c[Figure::answer_wait_s_sum], c[Figure::queued_answered]);
  ratio(w, "aht_s", c[Figure::talk_s] + c[Figure::wrap_up_s], c[Figure::handled]);
}

}  // namespace callrouter::analytics
