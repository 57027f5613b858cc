// The JSON request bodies: the flat field decoder of /v1 bodies, duplicate keys, workflow rules,
// top-up and wallet numbers, the rate card, JSON webhooks and the provider's call resource.
#include "api/body_fields.hpp"
#include "api/duplicate_keys.hpp"
#include "billing/money.hpp"
#include "billing/rate_card.hpp"
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
  if (auto path = api::find_duplicate_key(body)) fuzz::require(!path->empty(), "a duplicate names its path");

  for (auto source : {workflows::Source::create, workflows::Source::update, workflows::Source::stored}) {
    auto parsed = workflows::parse_workflow(body, workflows::Workflow{}, {source, false});
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
