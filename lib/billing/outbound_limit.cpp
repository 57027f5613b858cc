#include "billing/outbound_limit.hpp"

#include <fmt/format.h>

#include "billing/call_charge.hpp"
#include "billing/money.hpp"

namespace callrouter::billing {

Expected<std::int64_t, BillingError> outbound_per_minute(const RateCard& card, std::string_view destination_e164,
                                                         std::string_view destination_country, bool agent_leg) {
  auto rate = card.outbound_rate(destination_e164, destination_country);
  if (!rate) return unexpected(rate.error());
  auto total = checked_add(rate->per_minute_micro, agent_leg ? card.agent_leg_per_minute_micro : 0);
  if (!total) return unexpected(billing_error("overflow", "the per-minute rate overflows"));
  return *total;
}

Expected<std::int64_t, BillingError> outbound_time_limit(std::int64_t available_micro, std::int64_t per_minute_micro,
                                                         std::int64_t minimum_balance_micro) {
  if (per_minute_micro < 0) return unexpected(billing_error("invalid_rate", "a per-minute rate cannot be negative"));
  if (available_micro < minimum_balance_micro) {
    return unexpected(billing_error(
        "below_minimum_balance", fmt::format("outbound calls need at least {} credits available, {} are",
                                             format_credits(minimum_balance_micro), format_credits(available_micro))));
  }
  if (per_minute_micro == 0) return kMaxCallTimeLimitS;
  const std::int64_t max_minutes = kMaxCallTimeLimitS / 60;
  std::int64_t minutes = available_micro <= 0 ? 0 : std::min(available_micro / per_minute_micro, max_minutes);
  if (minutes == 0) {
    return unexpected(billing_error("insufficient_balance",
                                    fmt::format("one minute costs {} credits, {} are available",
                                                format_credits(per_minute_micro), format_credits(available_micro))));
  }
  // Any length in (60(m−1), 60m] bills m minutes, so 60m seconds is the longest that bills m.
  return minutes * 60;
}

std::int64_t max_charge_micro(std::int64_t time_limit_s, std::int64_t per_minute_micro) {
  // ≤ 240 minutes × a rate ≤ kMaxAmountMicro: cannot overflow for any rate the card accepts.
  return billed_minutes(time_limit_s) * per_minute_micro;
}

Expected<Reservations::Grant, BillingError> Reservations::reserve(std::string_view call_sid, std::int64_t balance_micro,
                                                                  std::int64_t per_minute_micro,
                                                                  std::int64_t minimum_balance_micro) {
  if (holds_.contains(call_sid)) {
    return unexpected(billing_error("already_reserved", fmt::format("call {} already holds credits", call_sid)));
  }
  auto available = checked_sub(balance_micro, reserved_micro_);
  if (!available) return unexpected(billing_error("overflow", "available balance overflows"));
  auto limit = outbound_time_limit(*available, per_minute_micro, minimum_balance_micro);
  if (!limit) return unexpected(limit.error());
  Grant grant{*limit, max_charge_micro(*limit, per_minute_micro)};
  holds_.emplace(std::string(call_sid), grant.reserved_micro);
  reserved_micro_ += grant.reserved_micro;  // ≤ available: the sum of holds never exceeds the balance
  return grant;
}

std::int64_t Reservations::release(std::string_view call_sid) {
  auto it = holds_.find(call_sid);
  if (it == holds_.end()) return 0;
  auto held = it->second;
  reserved_micro_ -= held;
  holds_.erase(it);
  return held;
}

}  // namespace callrouter::billing
