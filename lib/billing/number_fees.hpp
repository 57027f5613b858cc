// A number's monthly fees on its purchase anniversary: fee k is due k months after purchase,
// anchored to the purchase day (Jan 31 → Feb 28/29 → Mar 31), each index charged at most once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.hpp"

namespace callrouter::billing {

// Most fee indices returned by one due_fees call: ten years of downtime. The caller charges them
// and asks again; a clock gone mad cannot make it allocate without bound.
inline constexpr std::size_t kMaxDueFeesPerCall = 120;

// Index 0 is the purchase itself (charged by charge_number_purchase); fee k ≥ 1 is due at
// purchased_at + k months, same time of day, day clamped to the month's end.
Timestamp fee_due_at(Timestamp purchased_at, std::int64_t index);

// The indices last_charged_index+1, +2, … whose due time is ≤ now, in order. Charging them and
// then recording the highest as last_charged_index means a downtime of several months charges
// every missed month once, and a clock that jumps back finds nothing due.
std::vector<std::int64_t> due_fees(Timestamp purchased_at, std::int64_t last_charged_index, Timestamp now);

// When the next fee falls due (for GET /v1/numbers "next_fee_at").
Timestamp next_fee_at(Timestamp purchased_at, std::int64_t last_charged_index);

// The ledger ref of fee `index`: "fee:+14155550100:2026-01-31T10:00:00Z:3". The purchase time
// keeps a number released and bought again from colliding with its earlier fees.
std::string fee_ref(std::string_view number, Timestamp purchased_at, std::int64_t index);

}  // namespace callrouter::billing
