// Usage by month and category, summed from ledger entries: what the admin's usage page and
// purchase history show. Pure: entries in, totals out.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>

#include "billing/ledger_entry.hpp"

namespace callrouter::billing {

struct UsageTotal {
  std::int64_t count = 0;
  std::int64_t amount_micro = 0;  // signed like the entries: debits negative
};

struct MonthUsage {
  std::map<std::string, UsageTotal> by_kind;  // to_string(LedgerKind) → total; only kinds present
  std::int64_t credits_micro = 0;             // sum of positive entries
  std::int64_t debits_micro = 0;              // sum of negative entries (≤ 0)
};

struct UsageSummary {
  std::map<std::string, MonthUsage> months;  // "YYYY-MM" (UTC) → usage, oldest first
};

// Plain int64 sums: each entry is at most kMaxAmountMicro (10^15), so overflowing one needs
// thousands of maximal entries in one month.
UsageSummary summarise_usage(std::span<const LedgerEntry> entries);

// {"months":[{"month":"2026-11","credits_micro":…,"debits_micro":…,
//             "by_kind":{"call_charge":{"count":3,"amount_micro":-51000},…}},…]}
std::string to_json(const UsageSummary& summary);

}  // namespace callrouter::billing
