#include "billing/number_fees.hpp"

#include <fmt/format.h>

#include "billing/calendar.hpp"

namespace callrouter::billing {

Timestamp fee_due_at(Timestamp purchased_at, std::int64_t index) { return add_months_clamped(purchased_at, index); }

std::vector<std::int64_t> due_fees(Timestamp purchased_at, std::int64_t last_charged_index, Timestamp now) {
  std::vector<std::int64_t> due;
  for (auto k = std::max<std::int64_t>(last_charged_index, 0) + 1;
       due.size() < kMaxDueFeesPerCall && fee_due_at(purchased_at, k) <= now; ++k) {
    due.push_back(k);
  }
  return due;
}

Timestamp next_fee_at(Timestamp purchased_at, std::int64_t last_charged_index) {
  return fee_due_at(purchased_at, std::max<std::int64_t>(last_charged_index, 0) + 1);
}

std::string fee_ref(std::string_view number, Timestamp purchased_at, std::int64_t index) {
  return fmt::format("fee:{}:{}:{}", number, format_rfc3339(purchased_at), index);
}

}  // namespace callrouter::billing
