// The rate card: what numbers, minutes and recording storage cost, in micro-credits, parsed
// once from config/rates.json (format in docs/billing.md). Read-only after parsing.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "billing/billing_error.hpp"
#include "billing/prefix_rates.hpp"
#include "common/expected.hpp"

namespace callrouter::billing {

enum class NumberType { local, mobile, toll_free };
inline constexpr std::size_t kNumberTypeCount = 3;
std::string_view to_string(NumberType type);
std::optional<NumberType> number_type_from_string(std::string_view s);  // "local" | "mobile" | "toll_free"

struct NumberRates {
  std::int64_t monthly_fee_micro = 0;
  std::int64_t inbound_per_minute_micro = 0;  // the inbound leg of a call to this kind of number
};

struct CountryRates {
  std::array<std::optional<NumberRates>, kNumberTypeCount> numbers;  // indexed by NumberType
};

struct RecordingPlan {
  std::string id;
  std::int64_t included_s = 0;
  std::int64_t monthly_price_micro = 0;
};

struct OutboundRate {
  std::string prefix;  // the matched prefix, "" for the default rate
  std::int64_t per_minute_micro = 0;
};

struct RateCard {
  std::string source;  // where the sample numbers come from
  std::map<std::string, CountryRates, std::less<>> countries;  // ISO 3166-1 alpha-2
  PrefixRates outbound;
  std::optional<std::int64_t> outbound_default_per_minute_micro;  // destinations no prefix matches
  std::int64_t agent_leg_per_minute_micro = 0;  // each <Dial><Client> (softphone) leg
  std::vector<RecordingPlan> recording_plans;   // always holds "included"
  std::vector<std::string> blocked_countries{"CN"};
  std::int64_t minimum_outbound_balance_micro = 0;

  bool is_blocked(std::string_view country) const;
  // Errors: "country_blocked", "number_type_unavailable" (no such country or type on the card).
  Expected<NumberRates, BillingError> number_rates(std::string_view country, NumberType type) const;
  // `e164` "+14155550100"; `country` its ISO region (from phone_number.hpp), checked against the
  // blocked list. Errors: "invalid_destination", "destination_blocked", "no_rate".
  Expected<OutboundRate, BillingError> outbound_rate(std::string_view e164, std::string_view country) const;
  const RecordingPlan* recording_plan(std::string_view id) const;
};

// Errors name the key path: "rate card key 'countries.JP.numbers.local.monthly_fee': …".
Expected<RateCard> parse_rate_card(std::string_view json);
Expected<RateCard> load_rate_card(const std::filesystem::path& path);

}  // namespace callrouter::billing
