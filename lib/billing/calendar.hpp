// Calendar arithmetic billing needs, in UTC: the "YYYY-MM" key of a month (usage summaries,
// the auto-recharge monthly cap) and adding months anchored to a day that may not exist.
#pragma once

#include <cstdint>
#include <string>

#include "common/time.hpp"

namespace callrouter::billing {

// "2026-02" for any time in February 2026 (UTC).
std::string month_key(Timestamp t);

// `t` plus `count` calendar months, same time of day; the day is clamped to the end of a
// shorter month (Jan 31 + 1 → Feb 28 or 29, Jan 31 + 2 → Mar 31: always from `t`, never chained).
Timestamp add_months_clamped(Timestamp t, std::int64_t count);

}  // namespace callrouter::billing
