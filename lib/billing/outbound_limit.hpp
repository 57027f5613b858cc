// How long an outbound call may last on the credits left, and holds on the balance so that
// concurrent outbound calls cannot together spend more than the wallet has.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "billing/billing_error.hpp"
#include "billing/rate_card.hpp"
#include "common/expected.hpp"

namespace callrouter::billing {

// Twilio's longest call (the <Dial timeLimit> / Calls API TimeLimit maximum): 4 hours.
inline constexpr std::int64_t kMaxCallTimeLimitS = 14'400;

// The per-minute cost of an outbound call: the PSTN destination plus, when an agent's softphone
// leg carries it (click-to-call), that leg too. Errors are the rate card's.
Expected<std::int64_t, BillingError> outbound_per_minute(const RateCard& card, std::string_view destination_e164,
                                                         std::string_view destination_country, bool agent_leg);

// The largest whole number of seconds whose rounded-up-minutes charge at `per_minute_micro`
// stays ≤ `available_micro`, at most kMaxCallTimeLimitS. Errors: "below_minimum_balance"
// (available < minimum), "insufficient_balance" (not one minute affordable), "invalid_rate".
Expected<std::int64_t, BillingError> outbound_time_limit(std::int64_t available_micro, std::int64_t per_minute_micro,
                                                         std::int64_t minimum_balance_micro);

// The most a call limited to `time_limit_s` can cost: ⌈limit/60⌉ × rate.
std::int64_t max_charge_micro(std::int64_t time_limit_s, std::int64_t per_minute_micro);

// Holds per live outbound call. A call reserves its maximum charge from what is available
// (balance − holds) and releases it when it ends and its real charge (never more) is debited.
class Reservations {
 public:
  struct Grant {
    std::int64_t time_limit_s = 0;
    std::int64_t reserved_micro = 0;
  };

  // Errors: outbound_time_limit's, or "already_reserved" for a call that holds one already.
  Expected<Grant, BillingError> reserve(std::string_view call_sid, std::int64_t balance_micro,
                                        std::int64_t per_minute_micro, std::int64_t minimum_balance_micro);
  // Returns what was held (0 for an unknown call: releasing twice is harmless).
  std::int64_t release(std::string_view call_sid);

  std::int64_t reserved_micro() const { return reserved_micro_; }
  std::int64_t available_micro(std::int64_t balance_micro) const { return balance_micro - reserved_micro_; }
  std::size_t size() const { return holds_.size(); }

 private:
  std::map<std::string, std::int64_t, std::less<>> holds_;
  std::int64_t reserved_micro_ = 0;
};

}  // namespace callrouter::billing
