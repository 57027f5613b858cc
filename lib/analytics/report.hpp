// GET /v1/analytics as values: what a query asks for (range, bucketing or breakdown, zone, service
// level thresholds), parsed with errors naming the parameter, and how a row of figures is
// written: the stored counters and the ratios made from them (docs/analytics.md).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "analytics/call_figures.hpp"
#include "common/expected.hpp"
#include "common/json_writer.hpp"
#include "common/time.hpp"

namespace callrouter::analytics {

enum class By { hour, day, user, group, number, flow };
std::string_view by_name(By by);

struct AnalyticsQuery {
  Timestamp since{}, until{};  // slot-aligned: since rounded down, until up
  By by = By::day;
  std::string tz;  // IANA; the org's unless tz= is given
  std::vector<std::int64_t> thresholds{kDefaultServiceLevelS};  // sl=20,30: the first is service_level's
};

// Ranges longer than these are refused (a year of hours is ~8,800 rows).
inline constexpr std::chrono::days kMaxHourRange{400};
inline constexpr std::chrono::days kMaxRange{3700};

using QueryParam = std::pair<std::string, std::string>;
// since/until: RFC 3339 UTC or a date in the zone (an until date includes its day); defaults:
// until now, since the start of that day in the zone. Unknown parameters are refused.
Expected<AnalyticsQuery> parse_analytics_query(std::span<const QueryParam> params, std::string_view org_tz, Timestamp now);

// The figure fields of one row (after its "key"): counts, sums, answered_within for each
// threshold, and service_level, abandon_rate, missed_rate, asa_s and aht_s
// (null when their denominator is zero).
void write_figures(JsonWriter& w, const CallCounters& c, std::span<const std::int64_t> thresholds);

}  // namespace callrouter::analytics
