// The JSON request bodies: the flat field decoder of /v1 bodies, users, groups and outbound calls,
// the bodies that set one thing (presence, caller ID, recording plan, a number's flow, a purchase,
// top-up, auto-recharge), duplicate keys, workflow rules, wallet numbers, the rate card, JSON
// webhooks and the provider's call resource.
#include <algorithm>

#include "api/body_fields.hpp"
#include "api/directory_bodies.hpp"
#include "api/duplicate_keys.hpp"
#include "api/setting_bodies.hpp"
#include "billing/money.hpp"
#include "billing/rate_card.hpp"
#include "common/identifiers.hpp"
#include "common/utf8.hpp"
#include "fuzz_support.hpp"
#include "provider/twilio/call_resource.hpp"
#include "provider/twilio/json_body.hpp"
#include "workflows/workflow.hpp"

using namespace callrouter;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto body = fuzz::as_text(data, size);

  if (auto fields = api::parse_fields(body, {"id", "name", "account_sid", "auth_token", "timezone", "payment_id"})) {
    for (const auto& [name, value] : fields->values) {
      fuzz::require(valid_utf8(name) && valid_utf8(value), "decoded fields are valid UTF-8");
      fuzz::require(value.size() <= 256, "a field is at most max_bytes");
    }
  }
  for (bool creating : {true, false}) {
    engine::TelephonyUser user;
    if (auto read = api::read_user_body(body, user, creating)) {
      fuzz::require(valid_utf8(user.id) && valid_utf8(user.name) && valid_utf8(user.client), "user text is UTF-8");
      fuzz::require(user.id.size() <= 64 && user.name.size() <= 200 && user.client.size() <= 64, "user text is bounded");
      fuzz::require(user.phone.empty() || is_e164(user.phone), "a user's phone is E.164");
      fuzz::require(user.caller_id.empty() || is_e164(user.caller_id), "a user's caller ID is E.164");
      fuzz::require(creating || user.id.empty(), "an update cannot set the id");
    }
    engine::TelephonyGroup group;
    if (api::read_group_body(body, group, creating)) {
      fuzz::require(group.wrap_up_s >= 0 && group.wrap_up_s <= 3600, "wrap-up is 0..3600 s");
      fuzz::require(group.name.size() <= 200 && valid_utf8(group.name), "a group name is bounded text");
      auto members = group.members;
      std::sort(members.begin(), members.end());
      fuzz::require(std::adjacent_find(members.begin(), members.end()) == members.end(), "each member once");
    }
  }
  if (auto call = api::read_outbound_call_body(body)) {
    fuzz::require(call->to.size() <= 64 && call->caller_id.size() <= 16 && valid_utf8(call->to), "call fields bounded");
  }
  if (auto presence = api::read_presence_body(body)) {
    fuzz::require(*presence == "available" || *presence == "away" || *presence == "offline", "a presence is one of three");
  }
  for (auto read : {api::read_caller_id_body(body), api::read_recording_plan_body(body), api::read_number_flow_body(body)}) {
    if (read) fuzz::require(read->size() <= 64 && valid_utf8(*read), "a one-field body's value is bounded text");
  }
  if (auto buy = api::read_number_purchase_body(body)) {
    for (const auto* f : {&buy->number, &buy->country, &buy->type, &buy->area_code, &buy->contains}) {
      fuzz::require(f->size() <= 32 && valid_utf8(*f), "a purchase field is bounded text");
    }
    fuzz::require(!buy->number.empty() || (!buy->country.empty() && !buy->type.empty()), "a purchase names what to buy");
  }
  if (auto topup = api::read_topup_body(body)) {
    fuzz::require(topup->amount_micro > 0, "a top-up adds");
    fuzz::require(topup->payment_id.size() <= api::kMaxPaymentIdBytes && valid_utf8(topup->payment_id), "a payment id is bounded text");
  } else {
    const auto& code = topup.error().code;
    fuzz::require(code == "invalid_amount" || code == "invalid_request", "a top-up refusal has one of two codes");
  }
  (void)api::read_auto_recharge_body(body);
  if (auto path = api::find_duplicate_key(body)) fuzz::require(!path->empty(), "a duplicate names its path");

  // An update applies to a stored rule, never to an empty one (a rule without an id or trigger
  // could not be stored at all): the fuzzed body updates this one.
  static const workflows::Workflow kStoredRule = [] {
    auto created = workflows::parse_workflow(
        R"({"id":"w1","trigger":"missed_call","action":{"type":"webhook","url":"https://crm.example/hook"}})",
        workflows::Workflow{}, {workflows::Source::create, false});
    fuzz::require(created.has_value(), "the base rule parses");
    return created->workflow;
  }();
  for (auto source : {workflows::Source::create, workflows::Source::update, workflows::Source::stored}) {
    auto base = source == workflows::Source::update ? kStoredRule : workflows::Workflow{};
    auto parsed = workflows::parse_workflow(body, std::move(base), {source, false});
    if (!parsed) continue;
    // What was accepted is stored and read back at start: it must read back as the same rule.
    const auto stored = workflows::stored_json(parsed->workflow);
    auto again = workflows::parse_workflow(stored, workflows::Workflow{}, {workflows::Source::stored, false});
    fuzz::require(again.has_value(), "a rule that was accepted reads back from the journal");
    fuzz::require(workflows::stored_json(again->workflow) == stored, "a stored rule reads back unchanged");
  }

  if (auto credits = billing::parse_credits(body)) fuzz::require(*credits >= 0, "credits have no sign");
  (void)billing::parse_rate_card(body);
  if (auto form = twilio::parse_json_fields(body)) fuzz::require(form->params.size() <= twilio::kMaxFormParams, "bounded");
  if (auto call = twilio::read_call_resource(body)) fuzz::require(valid_utf8(call->status), "a call status is text");
  return 0;
}
