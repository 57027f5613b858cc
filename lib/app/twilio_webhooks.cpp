// Provider webhooks: verification (provider/twilio), idempotent replay, and the voice and status
// handlers, which see provider-neutral events only.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/app.hpp"
#include "common/json_writer.hpp"
#include "engine/call_status.hpp"
#include "engine/incoming_call.hpp"
#include "provider/twilio/render_actions.hpp"
#include "provider/twilio/webhook_events.hpp"
#include "store/answer_records.hpp"
#include "store/config_records.hpp"

namespace callrouter::app {

using server::HttpRequest;
using server::HttpResponse;
using server::json_error;
using server::Reply;

HttpResponse to_response(const StoredAnswer& a) {
  HttpResponse r;
  r.status = a.status;
  r.content_type = a.content_type;
  r.body = a.body;
  return r;
}

std::optional<twilio::VerifiedWebhook> App::verify_twilio(const HttpRequest& request, Reply& reply) {
  auto verified = twilio::verify_webhook(request, config_.public_base_url,
                                         [this](std::optional<std::string_view> account, std::optional<std::string_view> called) {
                                           const engine::Org* org = account ? directory_.org_by_account(*account) : nullptr;
                                           if (org == nullptr && called) {
                                             if (const auto* number = directory_.number(*called)) org = directory_.org(number->org_id);
                                           }
                                           return org;
                                         });
  if (!verified) {
    reply(std::move(verified.error()));
    return std::nullopt;
  }
  return std::move(*verified);
}

bool App::replay_if_seen(std::string_view retry_token, const engine::Org& org, Reply& reply) {
  if (retry_token.empty()) return false;
  auto seen = calls_.find_answer(org.id, store::kTokenAnswer, retry_token);
  if (!seen) return false;
  reply(to_response(*seen));
  return true;
}

std::optional<twilio::VerifiedWebhook> App::accept_twilio(const HttpRequest& request, Reply& reply) {
  auto verified = verify_twilio(request, reply);
  if (!verified || replay_if_seen(verified->retry_token, *verified->org, reply)) return std::nullopt;
  return verified;
}

void App::commit_and_reply(runtime::Change change, CallBook::Ticket ticket, StoredAnswer answer, Reply reply,
                           std::optional<WalletBook::Ticket> wallet_ticket) {
  // Acknowledged means durable: the answer goes out only once its records are on disk.
  commit_.submit(std::move(change), [this, ticket, wallet_ticket, answer = std::move(answer), reply = std::move(reply)](bool durable) {
    calls_.settle(ticket, durable);
    if (wallet_ticket) wallets_.settle(*wallet_ticket, durable);
    if (!durable) return reply(json_error(503, "journal_unavailable", "the call could not be recorded; retry"));
    reply(to_response(answer));
  });
}

void App::twilio_voice(HttpRequest&& request, Reply reply) {
  auto verified = accept_twilio(request, reply);
  if (!verified) return;
  const auto& org = *verified->org;
  auto arrived = twilio::read_call_arrived(*verified);
  if (!arrived) return reply(json_error(400, "bad_request", arrived.error()));
  const auto& call = *arrived;
  // The same call asking again (a retry without a token) gets the same document.
  if (auto answered = calls_.find_answer(org.id, store::kVoiceAnswer, call.call_sid)) return reply(to_response(*answered));

  const auto now = clock_();
  auto known = calls_.find(org.id, call.call_sid);
  if (known && known->direction == "outbound" && !known->caller_id.empty()) {
    // A click-to-call: the agent's softphone answered; now the customer is dialled.
    StoredAnswer answer{200, "text/xml", outbound_twiml(*known)};
    engine::CallEvent event{"voice", 0, std::string(call.status), now};
    runtime::Change change;
    auto& ops = change.records;
    auto ticket = calls_.stage(*known, &event, change, true);
    calls_.stage_answer(org.id, store::kVoiceAnswer, known->sid, answer, ops, ticket);
    return commit_and_reply(std::move(change), ticket, std::move(answer), std::move(reply));
  }
  auto decision = engine::decide_incoming_call(directory_, org, call, now, ring_selector(org.id));
  auto& record = decision.record;
  if (known) {
    // Status callbacks overtook the webhook: keep what they recorded.
    record.status = known->status;
    record.status_seqs = known->status_seqs;
    record.last_status_seq = known->last_status_seq;
    record.started_at = known->started_at;
    record.answered_at = known->answered_at;
    record.ended_at = known->ended_at;
    record.duration_s = known->duration_s;
    record.charge_micro = known->charge_micro;
    if (known->terminal() && record.disposition.empty()) record.disposition = known->disposition;
  }
  limit_recording(org.id, decision.actions);
  StoredAnswer answer{200, "text/xml", twilio::render_twiml(decision.actions, config_.public_base_url, {org.id, record.flow_id})};
  announce_offers(record, decision.actions);
  engine::CallEvent event{"voice", 0, std::string(call.status), now};
  runtime::Change change;
  auto& ops = change.records;
  auto ticket = calls_.stage(record, &event, change, known.has_value());
  // Stored once, by CallSid: a retry (with or without its idempotency token) finds it there, so a
  // second copy under the token would only cost a journal record per call.
  calls_.stage_answer(org.id, store::kVoiceAnswer, record.sid, answer, ops, ticket);
  note_queued(record);
  commit_and_reply(std::move(change), ticket, std::move(answer), std::move(reply));
}

void App::twilio_status(HttpRequest&& request, Reply reply) {
  auto verified = accept_twilio(request, reply);
  if (!verified) return;
  const auto& org = *verified->org;
  auto changed = twilio::read_status(*verified);
  if (!changed) return reply(json_error(400, "bad_request", changed.error()));
  // An agent's leg of a call we dialled.
  if (auto leg = twilio::read_agent_leg(*verified)) return agent_leg_status(org, *leg, std::move(reply));
  const auto& cb = *changed;

  StoredAnswer answer{200, "application/json", R"({"status":"recorded"})"};
  auto update = engine::apply_status(calls_.find(org.id, cb.call_sid), org.id, cb, clock_());
  if (update.duplicate) return reply(to_response(answer));
  // The caller hung up while agents were being rung: their offers end.
  if (update.record.terminal()) {
    agents_cancelled(org.id, end_offers(org.id, update.record.sid, update.record.status), "");
    leave_queue(org.id, update.record.sid, acd::LeaveReason::hung_up);
    rung_.erase(store::make_key({org.id, update.record.sid}));
  }

  runtime::Change change;
  auto& ops = change.records;
  // The charge (once, by its ref) rides in the batch with the record that shows it.
  auto wallet_ticket = update.record.terminal() ? stage_call_charge(update.record, ops) : std::nullopt;
  auto ticket = calls_.stage(update.record, &update.event, change);
  if (!verified->retry_token.empty()) calls_.stage_answer(org.id, store::kTokenAnswer, verified->retry_token, answer, ops, ticket);
  commit_and_reply(std::move(change), ticket, std::move(answer), std::move(reply), wallet_ticket);
}

void App::agent_leg_status(const engine::Org& org, const engine::AgentLegChanged& leg, Reply reply) {
  const std::string user_id(leg.user_id);
  const auto parent_sid = leg.parent_sid;
  const auto status = leg.status;
  StoredAnswer answer{200, "application/json", R"({"status":"recorded"})"};
  auto parent = calls_.find(org.id, parent_sid);
  if (!parent || directory_.user(org.id, user_id) == nullptr) return reply(to_response(answer));
  const auto now = clock_();
  if (status == "in-progress") {
    // This agent answered: the call is theirs; everyone else's offer ends.
    if (!parent->user_id.empty()) return reply(to_response(answer));  // a retry, or a second leg too late
    auto users = agents_.withdraw(org.id, parent->sid);
    agents_cancelled(org.id, users, user_id);
    auto& p = pool(org.id);
    if (auto agent = p.find_agent(user_id)) p.answered(*agent, now);
    // The ring group that rang them decides their wrap-up when the call ends.
    std::string group_id;
    if (const auto* f = directory_.flow(org.id, parent->flow_id)) {
      if (const auto* v = f->version(parent->flow_version)) {
        auto at = engine::position_of(*v->compiled, *parent);
        if (at.state != flow::kNoState) {
          if (const auto* g = std::get_if<flow::RingGroupState>(&v->compiled->states[static_cast<std::size_t>(at.state)].settings)) {
            group_id = g->group;
          }
        }
      }
    }
    connected_[store::make_key({org.id, parent->sid})] = Connected{user_id, group_id, now};
    dispatch_queues(org.id);  // the agents not chosen are free again
    for (const auto& u : users) {
      JsonWriter w;
      w.begin_object().field("type", u == user_id ? "call.connected" : "call.ended").field("call_sid", parent->sid);
      if (u != user_id) w.field("outcome", "answered_elsewhere");
      w.end_object();
      agents_.publish(org.id, u, w.str());
    }
    auto updated = *parent;
    updated.user_id = user_id;
    updated.group_id = group_id;
    if (!updated.answered_at) updated.answered_at = now;
    if (!updated.connected_at) updated.connected_at = now;
    engine::CallEvent event{"agent", static_cast<std::int64_t>(updated.flow_path.size()), "answered:" + user_id, now};
    runtime::Change change;
    auto ticket = calls_.stage(updated, &event, change);
    return commit_and_reply(std::move(change), ticket, std::move(answer), std::move(reply));
  }
  if (engine::is_terminal_status(status) && parent->user_id == user_id) {
    if (auto it = connected_.find(store::make_key({org.id, parent->sid})); it != connected_.end()) {
      auto& p = pool(org.id);
      auto agent = p.find_agent(user_id);
      auto group = p.find_group(it->second.group_id);
      auto talk_s = std::chrono::duration_cast<std::chrono::seconds>(now - it->second.at).count();
      if (leg.duration_s) talk_s = *leg.duration_s;
      if (agent) p.call_ended(*agent, group.value_or(acd::kNoGroup), now, talk_s);
      // Free again after the group's wrap-up: then the longest-waiting caller may be theirs.
      int wrap_up_s = 0;
      if (const auto* g = directory_.group(org.id, it->second.group_id)) wrap_up_s = g->wrap_up_s;
      connected_.erase(it);
      if (schedule_) {
        schedule_(std::chrono::seconds(wrap_up_s) + std::chrono::milliseconds(1),
                  [this, org_id = org.id] { dispatch_queues(org_id); });
      }
    }
    JsonWriter w;
    w.begin_object().field("type", "call.ended").field("call_sid", parent->sid).field("outcome", status).end_object();
    agents_.publish(org.id, user_id, w.str());
  }
  // Every agent leg the provider connected is billed on its own (docs/billing.md), once per leg.
  if (engine::is_terminal_status(status) && parent->direction == "inbound") {
    const auto seconds = leg.duration_s;
    if (seconds && *seconds > 0 && !leg.leg_sid.empty()) {
      auto updated = *parent;
      runtime::Change change;
      auto& ops = change.records;
      if (auto wallet_ticket = stage_leg_charge(updated, leg.leg_sid, *seconds, ops)) {
        engine::CallEvent event{"agent_leg", static_cast<std::int64_t>(updated.flow_path.size()),
                                fmt::format("{}:{}s", user_id, *seconds), now};
        auto ticket = calls_.stage(updated, &event, change);
        return commit_and_reply(std::move(change), ticket, std::move(answer), std::move(reply), wallet_ticket);
      }
    }
  }
  reply(to_response(answer));
}

}  // namespace callrouter::app
