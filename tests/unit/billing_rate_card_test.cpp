#include <catch2/catch.hpp>

#include "billing/rate_card.hpp"

using namespace callrouter;
using namespace callrouter::billing;

namespace {

const RateCard& sample() {
  static const RateCard card = [] {
    auto c = load_rate_card(std::string(CALLROUTER_SOURCE_DIR) + "/config/rates.json");
    if (!c) FAIL(c.error());
    return *c;
  }();
  return card;
}

const char* kSmall = R"({
  "countries": {"JP": {"numbers": {"local": {"monthly_fee": "4.50", "inbound_per_minute": "0.01"}}}},
  "outbound": {"prefixes": {"81": "0.09"}},
  "agent_leg_per_minute": "0.004",
  "minimum_outbound_balance": "0.50"
})";

}  // namespace

TEST_CASE("the sample rate card parses with every required country", "[billing]") {
  const auto& card = sample();
  for (auto country : {"US", "GB", "JP", "DE", "FR", "AU", "CA"}) {
    INFO(country);
    CHECK(card.number_rates(country, NumberType::local));
  }
  CHECK(card.number_rates("US", NumberType::local)->monthly_fee_micro == 1'150'000);
  CHECK(card.number_rates("US", NumberType::local)->inbound_per_minute_micro == 8'500);
  CHECK(card.agent_leg_per_minute_micro == 4'000);
  CHECK(card.minimum_outbound_balance_micro == 500'000);
  CHECK(card.recording_plan("included")->included_s == 60'000);
  CHECK(card.recording_plan("plus")->monthly_price_micro == 2'000'000);
  CHECK_FALSE(card.source.empty());
}

TEST_CASE("not every number type exists in every country", "[billing]") {
  auto r = sample().number_rates("US", NumberType::mobile);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "number_type_unavailable");
  CHECK(sample().number_rates("ZZ", NumberType::local).error().code == "number_type_unavailable");
  CHECK(sample().number_rates("CN", NumberType::local).error().code == "country_blocked");
}

TEST_CASE("longest outbound prefix wins", "[billing]") {
  const auto& card = sample();
  CHECK(card.outbound_rate("+442071838750", "GB")->per_minute_micro == 15'800);  // landline "44"
  CHECK(card.outbound_rate("+447700900123", "GB")->prefix == "447");            // mobile "447"
  CHECK(card.outbound_rate("+819012345678", "JP")->prefix == "8190");
  CHECK(card.outbound_rate("+81312345678", "JP")->prefix == "81");
  CHECK(card.outbound_rate("+14155550100", "US")->per_minute_micro == 14'000);
  auto fallback = card.outbound_rate("+5511912345678", "BR");  // no prefix: the default rate
  CHECK(fallback->prefix.empty());
  CHECK(fallback->per_minute_micro == 400'000);

  PrefixRates table;
  CHECK(table.add("1", 1));
  CHECK(table.add("1415", 2));
  CHECK(table.add("14155", 3));
  CHECK_FALSE(table.add("1415", 9));
  CHECK(table.find("14155550100")->per_minute_micro == 3);
  CHECK(table.find("14165550100")->per_minute_micro == 1);
  CHECK(table.find("1415")->per_minute_micro == 2);
  CHECK_FALSE(table.find("44"));
  CHECK_FALSE(table.find(""));
}

TEST_CASE("blocked destinations and bad destinations are refused", "[billing]") {
  const auto& card = sample();
  CHECK(card.is_blocked("CN"));
  CHECK(card.outbound_rate("+8613812345678", "CN").error().code == "destination_blocked");
  CHECK(card.outbound_rate("14155550100", "US").error().code == "invalid_destination");
  auto no_default = parse_rate_card(kSmall);
  REQUIRE(no_default);
  CHECK(no_default->outbound_rate("+14155550100", "US").error().code == "no_rate");
  CHECK(no_default->is_blocked("CN"));  // the default list
  CHECK(no_default->recording_plan("included"));  // the default plan
}

TEST_CASE("rate card errors name the key path", "[billing]") {
  auto replace = [](std::string from, std::string to) {
    std::string s(kSmall);
    auto pos = s.find(from);
    REQUIRE(pos != std::string::npos);
    return s.replace(pos, from.size(), to);
  };
  struct Case {
    std::string json;
    std::string key;
  };
  std::vector<Case> cases{
      {replace("\"4.50\"", "4.5"), "'countries.JP.numbers.local.monthly_fee': must be a decimal string"},
      {replace("\"4.50\"", "\"4.5000001\""), "'countries.JP.numbers.local.monthly_fee'"},
      {replace("\"4.50\"", "\"-1\""), "'countries.JP.numbers.local.monthly_fee'"},
      {replace("\"local\"", "\"landline\""), "'countries.JP.numbers.landline': unknown number type"},
      {replace("\"monthly_fee\": \"4.50\", ", ""), "'countries.JP.numbers.local.monthly_fee': is required"},
      {replace("\"JP\"", "\"Japan\""), "'countries.Japan'"},
      {replace("\"JP\"", "\"CN\""), "'countries.CN': is in blocked_countries"},
      {replace("\"81\"", "\"+81\""), "'outbound.prefixes.+81'"},
      {replace("\"prefixes\"", "\"prefix\""), "'outbound.prefix': unknown key"},
      {replace("\"0.004\"", "\"cheap\""), "'agent_leg_per_minute'"},
      {replace("\"minimum_outbound_balance\": \"0.50\"", "\"colour\": \"blue\""), "'colour': unknown key"},
      {replace("\"agent_leg_per_minute\": \"0.004\",", ""), "'agent_leg_per_minute': is required"},
      {replace("\"0.50\"", "\"0.50\", \"blocked_countries\": [\"china\"]"), "'blocked_countries'"},
      {replace("\"0.50\"", "\"0.50\", \"recording_plans\": [{\"id\": \"plus\", \"included_s\": 1, \"monthly_price\": \"1\"}]"),
       "'recording_plans': must contain the plan \"included\""},
      {replace("\"0.50\"", "\"0.50\", \"recording_plans\": [{\"id\": \"included\", \"included_s\": -1, \"monthly_price\": \"0\"}]"),
       "'recording_plans[0].included_s'"},
  };
  for (const auto& c : cases) {
    INFO(c.json);
    auto parsed = parse_rate_card(c.json);
    REQUIRE_FALSE(parsed);
    CHECK_THAT(parsed.error(), Catch::Contains(c.key));
  }
  for (std::string_view garbage : {"", "{", "[]", "null", "{\"countries\": []}", "\xff\xfe"}) {
    CHECK_FALSE(parse_rate_card(garbage));
  }
}
