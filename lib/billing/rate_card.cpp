#include "billing/rate_card.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "billing/money.hpp"
#include "billing/wallet.hpp"
#include "common/identifiers.hpp"

namespace callrouter::billing {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

constexpr std::array<std::string_view, kNumberTypeCount> kTypeNames{"local", "mobile", "toll_free"};

// Parsing stops at the first problem and reports it with its dotted key path.
struct RateCardError {
  std::string message;
};

[[noreturn]] void fail(std::string_view key, std::string_view what) {
  throw RateCardError{fmt::format("rate card key '{}': {}", key, what)};
}

std::string join(std::string_view prefix, std::string_view k) {
  return prefix.empty() ? std::string(k) : fmt::format("{}.{}", prefix, k);
}

object as_object(element e, std::string_view key) {
  object o;
  if (e.get(o) != simdjson::SUCCESS) fail(key, "must be an object");
  return o;
}

std::string as_string(element e, std::string_view key) {
  std::string_view s;
  if (e.get(s) != simdjson::SUCCESS) fail(key, "must be a string");
  return std::string(s);
}

// Money is a decimal string of credits ("0.0085"): JSON numbers would be doubles.
std::int64_t as_credits(element e, std::string_view key) {
  std::string_view s;
  if (e.get(s) != simdjson::SUCCESS) fail(key, "must be a decimal string of credits, e.g. \"1.15\"");
  auto micro = parse_credits(s);
  if (!micro) fail(key, micro.error());
  if (*micro > kMaxAmountMicro) fail(key, "is too large");
  return *micro;
}

std::int64_t as_seconds(element e, std::string_view key) {
  std::int64_t n;
  if (e.get(n) != simdjson::SUCCESS) fail(key, "must be an integer number of seconds");
  if (n < 0 || n > 1'000'000'000'000) fail(key, "must be between 0 and 10^12");
  return n;
}

bool is_country_code(std::string_view s) {
  return s.size() == 2 && std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

template <class Handler>
void for_each_key(object o, std::string_view prefix, Handler&& handler) {
  for (auto [k, v] : o) {
    auto key = join(prefix, k);
    if (!handler(k, v, key)) fail(key, "unknown key");
  }
}

NumberRates parse_number_rates(object o, std::string_view prefix) {
  NumberRates r;
  bool has_fee = false, has_inbound = false;
  for_each_key(o, prefix, [&](std::string_view k, element v, const std::string& key) {
    if (k == "monthly_fee") {
      r.monthly_fee_micro = as_credits(v, key);
      has_fee = true;
    } else if (k == "inbound_per_minute") {
      r.inbound_per_minute_micro = as_credits(v, key);
      has_inbound = true;
    } else {
      return false;
    }
    return true;
  });
  if (!has_fee) fail(join(prefix, "monthly_fee"), "is required");
  if (!has_inbound) fail(join(prefix, "inbound_per_minute"), "is required");
  return r;
}

CountryRates parse_country(object o, std::string_view prefix) {
  CountryRates c;
  bool has_numbers = false;
  for_each_key(o, prefix, [&](std::string_view k, element v, const std::string& key) {
    if (k != "numbers") return false;
    has_numbers = true;
    for_each_key(as_object(v, key), key, [&](std::string_view type_name, element rates, const std::string& key2) {
      auto type = number_type_from_string(type_name);
      if (!type) fail(key2, "unknown number type (local, mobile, toll_free)");
      c.numbers[static_cast<std::size_t>(*type)] = parse_number_rates(as_object(rates, key2), key2);
      return true;
    });
    return true;
  });
  if (!has_numbers) fail(join(prefix, "numbers"), "is required");
  return c;
}

void parse_outbound(object o, std::string_view prefix, RateCard& card) {
  bool has_prefixes = false;
  for_each_key(o, prefix, [&](std::string_view k, element v, const std::string& key) {
    if (k == "default_per_minute") {
      card.outbound_default_per_minute_micro = as_credits(v, key);
    } else if (k == "prefixes") {
      has_prefixes = true;
      for_each_key(as_object(v, key), key, [&](std::string_view p, element rate, const std::string& key2) {
        bool digits = !p.empty() && p.size() <= 15 && p[0] != '0' &&
                      std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (!digits) fail(key2, "a prefix is 1 to 15 digits of an E.164 number, without '+'");
        if (!card.outbound.add(std::string(p), as_credits(rate, key2))) fail(key2, "duplicate prefix");
        return true;
      });
    } else {
      return false;
    }
    return true;
  });
  if (!has_prefixes) fail(join(prefix, "prefixes"), "is required");
}

void parse_recording_plans(element e, std::string_view key, RateCard& card) {
  array plans;
  if (e.get(plans) != simdjson::SUCCESS) fail(key, "must be an array");
  std::size_t i = 0;
  for (element p : plans) {
    auto plan_key = fmt::format("{}[{}]", key, i++);
    RecordingPlan plan;
    bool has_id = false, has_included = false, has_price = false;
    for_each_key(as_object(p, plan_key), plan_key, [&](std::string_view k, element v, const std::string& key2) {
      if (k == "id") {
        plan.id = as_string(v, key2);
        if (!is_valid_id(plan.id)) fail(key2, "must match [a-z0-9_-]{1,64}");
        has_id = true;
      } else if (k == "included_s") {
        plan.included_s = as_seconds(v, key2);
        has_included = true;
      } else if (k == "monthly_price") {
        plan.monthly_price_micro = as_credits(v, key2);
        has_price = true;
      } else {
        return false;
      }
      return true;
    });
    if (!has_id) fail(join(plan_key, "id"), "is required");
    if (!has_included) fail(join(plan_key, "included_s"), "is required");
    if (!has_price) fail(join(plan_key, "monthly_price"), "is required");
    if (card.recording_plan(plan.id)) fail(join(plan_key, "id"), "duplicate plan id");
    card.recording_plans.push_back(std::move(plan));
  }
  if (!card.recording_plan(kDefaultRecordingPlan)) {
    fail(key, fmt::format("must contain the plan \"{}\" every wallet starts on", kDefaultRecordingPlan));
  }
}

RateCard parse(std::string_view json) {
  simdjson::dom::parser parser;
  element root;
  if (auto err = parser.parse(json.data(), json.size()).get(root)) {
    throw RateCardError{fmt::format("rate card is not valid JSON: {}", simdjson::error_message(err))};
  }
  RateCard card;
  bool has_countries = false, has_outbound = false, has_agent = false, has_minimum = false, has_plans = false;
  for_each_key(as_object(root, "(top level)"), "", [&](std::string_view k, element v, const std::string& key) {
    if (k == "source" || k == "notes") {
      auto text = as_string(v, key);
      if (k == "source") card.source = std::move(text);
    } else if (k == "countries") {
      has_countries = true;
      for_each_key(as_object(v, key), key, [&](std::string_view code, element c, const std::string& key2) {
        if (!is_country_code(code)) fail(key2, "a country is an ISO 3166-1 alpha-2 code such as \"JP\"");
        card.countries[std::string(code)] = parse_country(as_object(c, key2), key2);
        return true;
      });
    } else if (k == "outbound") {
      has_outbound = true;
      parse_outbound(as_object(v, key), key, card);
    } else if (k == "agent_leg_per_minute") {
      card.agent_leg_per_minute_micro = as_credits(v, key);
      has_agent = true;
    } else if (k == "recording_plans") {
      has_plans = true;
      parse_recording_plans(v, key, card);
    } else if (k == "blocked_countries") {
      array list;
      if (v.get(list) != simdjson::SUCCESS) fail(key, "must be an array of country codes");
      card.blocked_countries.clear();
      for (element c : list) {
        auto code = as_string(c, key);
        if (!is_country_code(code)) fail(key, fmt::format("\"{}\" is not an ISO 3166-1 alpha-2 code", code));
        card.blocked_countries.push_back(std::move(code));
      }
    } else if (k == "minimum_outbound_balance") {
      card.minimum_outbound_balance_micro = as_credits(v, key);
      has_minimum = true;
    } else {
      return false;
    }
    return true;
  });
  if (!has_countries) fail("countries", "is required");
  if (!has_outbound) fail("outbound", "is required");
  if (!has_agent) fail("agent_leg_per_minute", "is required");
  if (!has_minimum) fail("minimum_outbound_balance", "is required");
  if (!has_plans) {
    card.recording_plans.push_back(RecordingPlan{std::string(kDefaultRecordingPlan), kDefaultIncludedRecordingS, 0});
  }
  for (const auto& blocked : card.blocked_countries) {
    if (card.countries.contains(blocked)) {
      fail(join("countries", blocked), "is in blocked_countries: numbers there cannot be sold");
    }
  }
  return card;
}

}  // namespace

std::string_view to_string(NumberType type) { return kTypeNames[static_cast<std::size_t>(type)]; }

std::optional<NumberType> number_type_from_string(std::string_view s) {
  for (std::size_t i = 0; i < kTypeNames.size(); ++i) {
    if (kTypeNames[i] == s) return static_cast<NumberType>(i);
  }
  return std::nullopt;
}

bool RateCard::is_blocked(std::string_view country) const {
  return std::find(blocked_countries.begin(), blocked_countries.end(), country) != blocked_countries.end();
}

Expected<NumberRates, BillingError> RateCard::number_rates(std::string_view country, NumberType type) const {
  if (is_blocked(country)) {
    return unexpected(billing_error("country_blocked", fmt::format("numbers in {} are not supported", country)));
  }
  auto it = countries.find(country);
  if (it == countries.end() || !it->second.numbers[static_cast<std::size_t>(type)]) {
    return unexpected(billing_error("number_type_unavailable",
                                    fmt::format("no {} numbers in {}", to_string(type), country)));
  }
  return *it->second.numbers[static_cast<std::size_t>(type)];
}

Expected<OutboundRate, BillingError> RateCard::outbound_rate(std::string_view e164, std::string_view country) const {
  if (!is_e164(e164)) {
    return unexpected(billing_error("invalid_destination", "the destination is not an E.164 number"));
  }
  if (is_blocked(country)) {
    return unexpected(billing_error("destination_blocked", fmt::format("calls to {} are not supported", country)));
  }
  if (auto match = outbound.find(e164.substr(1))) return OutboundRate{std::string(match->prefix), match->per_minute_micro};
  if (outbound_default_per_minute_micro) return OutboundRate{"", *outbound_default_per_minute_micro};
  return unexpected(billing_error("no_rate", fmt::format("no outbound rate for {}", e164)));
}

const RecordingPlan* RateCard::recording_plan(std::string_view id) const {
  for (const auto& p : recording_plans) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

Expected<RateCard> parse_rate_card(std::string_view json) {
  try {
    return parse(json);
  } catch (const RateCardError& e) {
    return unexpected(e.message);
  }
}

Expected<RateCard> load_rate_card(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected(fmt::format("cannot read rate card '{}'", path.string()));
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_rate_card(ss.str());
}

}  // namespace callrouter::billing
