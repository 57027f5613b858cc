#include "api/setting_bodies.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <cctype>

#include "api/body_fields.hpp"

namespace callrouter::api {
namespace {

// A body of one required text field, or the message naming it.
Expected<std::string> one_field(std::string_view body, std::string_view name, std::size_t max_bytes,
                                std::string_view shape) {
  auto fields = parse_fields(body, {name}, max_bytes);
  if (!fields) return unexpected(fields.error());
  if (!fields->has(name)) return unexpected(fmt::format("field '{}': required ({})", name, shape));
  return std::string(fields->get(name));
}

Expected<simdjson::dom::object> object_of(simdjson::dom::parser& parser, std::string_view body) {
  simdjson::dom::object o;
  if (parser.parse(body.data(), body.size()).get(o)) return unexpected(std::string("body must be a JSON object"));
  return o;
}

}  // namespace

Expected<std::string> read_presence_body(std::string_view body) {
  auto presence = one_field(body, "presence", 16, "available, away or offline");
  if (presence && *presence != "available" && *presence != "away" && *presence != "offline") {
    return unexpected(std::string("field 'presence': must be available, away or offline"));
  }
  return presence;
}

Expected<std::string> read_caller_id_body(std::string_view body) {
  return one_field(body, "number", 32, "an E.164 number");
}

Expected<std::string> read_recording_plan_body(std::string_view body) {
  return one_field(body, "plan", 64, "a plan id of the rate card");
}

Expected<std::string> read_number_flow_body(std::string_view body) {
  auto fields = parse_fields(body, {"flow_id"}, 64);
  if (!fields) return unexpected(fields.error());
  return std::string(fields->get("flow_id"));
}

Expected<NumberPurchaseBody> read_number_purchase_body(std::string_view body) {
  auto fields = parse_fields(body, {"number", "country", "type", "area_code", "contains"}, 32);
  if (!fields) return unexpected(fields.error());
  NumberPurchaseBody b{std::string(fields->get("number")), std::string(fields->get("country")),
                       std::string(fields->get("type")), std::string(fields->get("area_code")),
                       std::string(fields->get("contains"))};
  for (auto& c : b.country) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (b.number.empty() && (b.country.empty() || b.type.empty())) {
    return unexpected(std::string("give a number, or a country and a type"));
  }
  return b;
}

Expected<TopupBody, BodyRefusal> read_topup_body(std::string_view body) {
  auto refuse = [](std::string code, std::string message) { return unexpected(BodyRefusal{std::move(code), std::move(message)}); };
  simdjson::dom::parser parser;
  auto o = object_of(parser, body);
  if (!o) return refuse("invalid_request", "body must be {\"amount_micro\": integer, \"payment_id\": string?}");
  // Unknown fields first, then the amount, then the id: the same refusal whatever the key order.
  for (auto field : *o) {
    if (field.key != "amount_micro" && field.key != "payment_id") {
      return refuse("invalid_request", fmt::format("field '{}': unknown field", field.key));
    }
  }
  TopupBody b;
  if ((*o)["amount_micro"].get(b.amount_micro) || b.amount_micro <= 0) {
    return refuse("invalid_amount", "amount_micro must be a positive integer");
  }
  if (auto p = (*o)["payment_id"]; p.error() == simdjson::SUCCESS) {
    // An empty id would silently mean "no id", so a retried request would top up twice.
    std::string_view id;
    if (p.get(id) || id.empty() || id.size() > kMaxPaymentIdBytes) {
      return refuse("invalid_request",
                    fmt::format("payment_id must be a non-empty string of at most {} bytes", kMaxPaymentIdBytes));
    }
    b.payment_id = std::string(id);
  }
  return b;
}

Expected<billing::AutoRechargeSettings> read_auto_recharge_body(std::string_view body) {
  simdjson::dom::parser parser;
  auto o = object_of(parser, body);
  if (!o) return unexpected(o.error());
  billing::AutoRechargeSettings s;
  for (auto [k, v] : *o) {
    if (k == "enabled") {
      if (v.get(s.enabled)) return unexpected(std::string("field 'enabled': must be true or false"));
      continue;
    }
    std::int64_t* target = k == "threshold_micro"     ? &s.threshold_micro
                           : k == "amount_micro"      ? &s.amount_micro
                           : k == "monthly_cap_micro" ? &s.monthly_cap_micro
                                                      : nullptr;
    if (target == nullptr) return unexpected(fmt::format("field '{}': unknown field", k));
    if (v.get(*target)) return unexpected(fmt::format("field '{}': must be an integer", k));
  }
  return s;
}

}  // namespace callrouter::api
