// POST /v1/calls (click-to-call): an agent calls a customer. Every refusal happens before the
// provider is asked; the call's longest length is what the wallet can pay (held until it ends),
// and callrouter asks the provider to ring the agent's softphone first, then dial the customer.
#include <fmt/format.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include "api/directory_bodies.hpp"
#include "app/api_support.hpp"
#include "app/app.hpp"
#include "app/provider_refusal.hpp"
#include "provider/twilio/documented_values.hpp"
#include "billing/outbound_limit.hpp"
#include "billing/recording_quota.hpp"
#include "common/phone_number.hpp"
#include "engine/call_flow.hpp"
#include "provider/twilio/render_actions.hpp"
#include "provider/twilio/rest_api.hpp"

namespace callrouter::app {

using server::HttpRequest;
using server::json_error;
using server::Reply;

void App::click_to_call(HttpRequest&& request, const Principal& who, Reply reply) {
  if (who.role != auth::Role::agent || who.user_id.empty()) {
    return reply(json_error(403, "forbidden", "click-to-call needs the calling agent's key"));
  }
  const auto* user = directory_.user(who.org_id, who.user_id);
  if (user == nullptr) return reply(json_error(403, "forbidden", "the key's user no longer exists"));
  if (!user->allow_outgoing) return reply(json_error(403, "outgoing_not_allowed", "this user may not make outgoing calls"));
  auto body = api::read_outbound_call_body(request.body);
  if (!body) return reply(json_error(400, "invalid_request", body.error()));
  const std::string_view chosen_caller_id = body->caller_id;
  auto destination = parse_e164(body->to);
  if (!destination) return reply(json_error(400, "invalid_destination", destination.error().message));
  if (!rates_) return reply(json_error(503, "billing_not_configured", "no rate card is configured (billing.rates_file)"));
  auto per_minute = billing::outbound_per_minute(*rates_, destination->e164, destination->region, true);
  if (!per_minute) return reply(billing_refusal(per_minute.error()));

  // Caller ID: one of the org's numbers (the user's own unless they chose another of the org's).
  std::string caller_id(chosen_caller_id.empty() ? std::string_view(user->caller_id) : chosen_caller_id);
  const auto* presented = directory_.number(caller_id);
  if (caller_id.empty()) return reply(json_error(422, "no_caller_id", "the user has no caller ID number"));
  if ((presented == nullptr || presented->org_id != who.org_id) && !user->may_present(caller_id)) {
    return reply(json_error(422, "caller_id_not_allowed",
                            user->allow_custom_caller_id ? "a custom caller ID must be verified first (POST /v1/users/{id}/caller-ids)"
                                                         : "the caller ID must be one of the org's numbers"));
  }
  auto agent_leg = engine::dial_target(*user);
  if (!agent_leg) return reply(json_error(422, "no_softphone", "the user has neither a softphone nor a phone to ring"));

  auto& holds = wallets_.reservations(who.org_id);
  const auto hold_id = fmt::format("pending:{}", ++outbound_counter_);
  auto grant = holds.reserve(hold_id, wallets_.wallet(who.org_id).balance_micro, *per_minute,
                             rates_->minimum_outbound_balance_micro);
  if (!grant) return reply(billing_refusal(grant.error()));
  const auto* org = directory_.org(who.org_id);
  if (org == nullptr || http_ == nullptr) {
    holds.release(hold_id);
    return reply(json_error(503, "unavailable", "the provider API is not reachable"));
  }
  const auto ring = agent_leg->kind == flow::DialTarget::Kind::client ? "client:" + agent_leg->value : agent_leg->value;
  auto create = twilio::account_request(config_.provider_api_base_url, org->account_sid, org->auth_token, "POST", "Calls.json",
                                        twilio::form_body({{"To", ring},
                                                           {"From", caller_id},
                                                           {"Url", config_.public_base_url + "/twilio/voice"},
                                                           {"Method", "POST"},
                                                           {"StatusCallback", config_.public_base_url + "/twilio/status"},
                                                           {"StatusCallbackMethod", "POST"},
                                                           {"StatusCallbackEvent", "initiated"},
                                                           {"StatusCallbackEvent", "ringing"},
                                                           {"StatusCallbackEvent", "answered"},
                                                           {"StatusCallbackEvent", "completed"}}));
  create.max_attempts = 1;  // creating a call is not idempotent: never sent twice
  engine::CallRecord record;
  record.org_id = who.org_id;
  record.direction = "outbound";
  record.from = caller_id;
  record.to = destination->e164;
  record.status = "queued";
  record.user_id = who.user_id;
  record.caller_id = caller_id;
  record.time_limit_s = grant->time_limit_s;
  http_->send(std::move(create), [this, hold_id, per_minute = *per_minute, record = std::move(record),
                                  reply = std::move(reply)](outbound::OutboundResponse r) mutable {
    auto& held = wallets_.reservations(record.org_id);
    held.release(hold_id);
    simdjson::dom::parser p;
    std::string_view sid;
    if (r.status < 200 || r.status >= 300 || p.parse(r.body)["sid"].get(sid) || !twilio::is_sid(sid, "CA")) {
      return reply(provider_refusal("place the call", r, config_.provider_api_base_url));
    }
    record.sid = std::string(sid);
    record.started_at = clock_();
    // Held again under the call's own id; the balance can only have grown the headroom back.
    if (!held.reserve(record.sid, wallets_.wallet(record.org_id).balance_micro, per_minute,
                       rates_ ? rates_->minimum_outbound_balance_micro : 0)) {
      spdlog::warn("outbound call {}: the wallet changed while the call was placed; its time limit still applies", record.sid);
    }
    // The call's first record; the agent is answered once it is durable.
    auto placed = record;
    run(engine_.apply(engine::OutboundPlacedEvent{std::move(placed)}, record.started_at),
        [this, record, reply = std::move(reply)](server::HttpResponse recorded) {
          if (recorded.status == 503) {
            wallets_.reservations(record.org_id).release(record.sid);
            return reply(json_error(503, "journal_unavailable", "the call was placed but could not be recorded"));
          }
          JsonWriter w;
          w.begin_object().field("sid", record.sid).field("time_limit_s", record.time_limit_s).field("to", record.to);
          w.field("caller_id", record.caller_id).end_object();
          reply(json_answer(201, w.take()));
        });
  });
}

}  // namespace callrouter::app
