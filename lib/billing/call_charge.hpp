// What one call costs: every leg the provider bills, each rounded up to whole minutes.
// Pure and deterministic: the same facts and rate card always give the same charge.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "billing/billing_error.hpp"
#include "billing/rate_card.hpp"
#include "common/expected.hpp"

namespace callrouter::billing {

enum class CallDirection { inbound, outbound };

// An extra PSTN leg a call dialled (a flow forwarding an inbound call to an outside number).
struct PstnLeg {
  std::string destination_e164;
  std::string destination_country;  // ISO region of the destination (phone_number.hpp)
  std::int64_t seconds = 0;
};

struct CallFacts {
  CallDirection direction = CallDirection::inbound;
  // inbound: the org's number that was called
  std::string number_country;
  NumberType number_type = NumberType::local;
  // outbound: the PSTN destination
  std::string destination_e164;
  std::string destination_country;
  std::int64_t billable_s = 0;                // the parent leg (inbound leg, or outbound PSTN leg)
  std::vector<std::int64_t> agent_leg_s;      // each softphone (<Client>) leg, answered or not billed
  std::vector<PstnLeg> forwarded_legs;        // inbound calls forwarded to outside numbers
};

struct ChargeLine {
  std::string leg;   // "inbound" | "outbound" | "agent" | "forward"
  std::string rate;  // what priced it: "US/local", "outbound 447", "agent"
  std::int64_t seconds = 0;
  std::int64_t minutes = 0;  // seconds rounded up; 0 s is 0 min
  std::int64_t per_minute_micro = 0;
  std::int64_t amount_micro = 0;
};

struct CallCharge {
  std::int64_t billed_minutes = 0;  // sum over legs
  std::int64_t charge_micro = 0;    // the cost, ≥ 0; the ledger debits it
  std::vector<ChargeLine> breakdown;
};

// Whole minutes a leg is billed: ⌈seconds / 60⌉, 0 for 0 or fewer seconds.
std::int64_t billed_minutes(std::int64_t seconds);

// Errors: a rate lookup's ("number_type_unavailable", "no_rate", "destination_blocked", …),
// "invalid_duration" (a leg longer than a day) or "overflow".
Expected<CallCharge, BillingError> charge_for(const RateCard& card, const CallFacts& facts);

}  // namespace callrouter::billing
