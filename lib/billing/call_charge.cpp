#include "billing/call_charge.hpp"

#include <fmt/format.h>

#include "billing/money.hpp"

namespace callrouter::billing {
namespace {

// Twilio caps a call at 4 hours; anything past a day is a bad input, not a long call.
constexpr std::int64_t kMaxLegSeconds = 24 * 60 * 60;

bool add_line(CallCharge& charge, std::string leg, std::string rate, std::int64_t seconds,
              std::int64_t per_minute_micro) {
  const auto minutes = billed_minutes(seconds);
  auto amount = checked_mul(minutes, per_minute_micro);
  if (!amount) return false;
  auto total = checked_add(charge.charge_micro, *amount);
  if (!total) return false;
  charge.charge_micro = *total;
  charge.billed_minutes += minutes;
  charge.breakdown.push_back(ChargeLine{std::move(leg), std::move(rate), seconds, minutes, per_minute_micro, *amount});
  return true;
}

}  // namespace

std::int64_t billed_minutes(std::int64_t seconds) { return seconds <= 0 ? 0 : (seconds + 59) / 60; }

Expected<CallCharge, BillingError> charge_for(const RateCard& card, const CallFacts& facts) {
  auto too_long = [](std::int64_t s) { return s > kMaxLegSeconds; };
  bool bad = too_long(facts.billable_s);
  for (auto s : facts.agent_leg_s) bad = bad || too_long(s);
  for (const auto& f : facts.forwarded_legs) bad = bad || too_long(f.seconds);
  if (bad) return unexpected(billing_error("invalid_duration", "a call leg is longer than a day"));

  auto overflow = [] { return unexpected(billing_error("overflow", "the call charge overflows")); };
  CallCharge charge;
  if (facts.direction == CallDirection::inbound) {
    auto rates = card.number_rates(facts.number_country, facts.number_type);
    if (!rates) return unexpected(rates.error());
    if (!add_line(charge, "inbound", fmt::format("{}/{}", facts.number_country, to_string(facts.number_type)),
                  facts.billable_s, rates->inbound_per_minute_micro)) {
      return overflow();
    }
  } else {
    auto rate = card.outbound_rate(facts.destination_e164, facts.destination_country);
    if (!rate) return unexpected(rate.error());
    auto name = rate->prefix.empty() ? std::string("outbound default") : "outbound " + rate->prefix;
    if (!add_line(charge, "outbound", std::move(name), facts.billable_s, rate->per_minute_micro)) return overflow();
  }
  for (auto seconds : facts.agent_leg_s) {
    if (!add_line(charge, "agent", "agent", seconds, card.agent_leg_per_minute_micro)) return overflow();
  }
  for (const auto& leg : facts.forwarded_legs) {
    auto rate = card.outbound_rate(leg.destination_e164, leg.destination_country);
    if (!rate) return unexpected(rate.error());
    auto name = rate->prefix.empty() ? std::string("outbound default") : "outbound " + rate->prefix;
    if (!add_line(charge, "forward", std::move(name), leg.seconds, rate->per_minute_micro)) return overflow();
  }
  return charge;
}

}  // namespace callrouter::billing
