// Engine::apply for the provider's call webhooks: a call arriving, its status changing, an
// agent's leg changing, a recording reported; and the bookkeeping every event shares.
#include "engine/engine.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/json_writer.hpp"
#include "engine/call_status.hpp"
#include "engine/incoming_call.hpp"
#include "store/answer_records.hpp"
#include "store/config_records.hpp"
#include "store/outbox_records.hpp"
#include "billing/billing_event.hpp"

namespace callrouter::engine {
namespace {

const StoredAnswer kRecorded{200, "application/json", R"({"status":"recorded"})"};

std::string live_key(std::string_view org_id, std::string_view sid) { return store::make_key({org_id, sid}); }

}  // namespace

Engine::Engine(const store::Reader& stored, Instructions instructions)
    : stored_(stored), instructions_(std::move(instructions)), calls_(stored), wallets_(stored) {}

Effects Engine::apply(const Event& event, Timestamp now) {
  return std::visit([&](const auto& e) { return on(e, now); }, event);
}

void Engine::settle(const Settlement& s, bool durable, Timestamp now) {
  if (s.calls != 0) calls_.settle(s.calls, durable);
  if (s.wallet) wallets_.settle(*s.wallet, durable);
  if (s.requeue && durable && queues_[s.requeue_org].restore(*s.requeue)) ++queue_stats_.entered;
  if (!durable && !s.routed_sid.empty()) {
    agents_cancelled(s.routed_org, withdraw_offers(s.routed_org, s.routed_sid), "", now);
    auto q = queues_.find(s.routed_org);
    if (s.routed_queued && q != queues_.end() && q->second.leave(s.routed_sid)) --queue_stats_.entered;
  }
}

void Engine::load(Directory directory, std::vector<CallRecord> live_calls, Timestamp now) {
  directory_ = std::move(directory);
  std::sort(live_calls.begin(), live_calls.end(), [](const auto& a, const auto& b) { return a.started_at < b.started_at; });
  for (auto& call : live_calls) {
    note_queued(call, now);  // callers still queued wait on, oldest first
    hold_for_outbound(call);
    calls_.restore_live(std::move(call));
  }
  rebuild_pools(now);
}

std::size_t Engine::queued() const {
  std::size_t n = 0;
  for (const auto& [org, q] : queues_) n += q.size();
  return n;
}

Engine::LiveCall& Engine::live(std::string_view org_id, std::string_view sid) { return live_[live_key(org_id, sid)]; }

Engine::LiveCall* Engine::find_live(std::string_view org_id, std::string_view sid) {
  auto it = live_.find(live_key(org_id, sid));
  return it == live_.end() ? nullptr : &it->second;
}

void Engine::forget_if_idle(std::string_view org_id, std::string_view sid) {
  auto it = live_.find(live_key(org_id, sid));
  if (it != live_.end() && it->second.empty()) live_.erase(it);
}

void Engine::stage_call(Effects& fx, const CallRecord& record, const CallEvent& event, std::optional<bool> exists) {
  fx.settle.calls = calls_.stage(record, &event, fx.change, exists);
  fx.journal = true;
}

void Engine::stage_answer(Effects& fx, std::string_view org_id, std::string_view kind, std::string_view id, Timestamp now) {
  fx.settle.calls = calls_.stage_answer(org_id, kind, id, *fx.answer, now, fx.change.records, fx.settle.calls);
  fx.journal = true;
}

std::optional<StoredAnswer> Engine::replay(const Webhook& from) const {
  if (from.retry_token.empty()) return std::nullopt;
  return calls_.find_answer(from.org->id, store::kTokenAnswer, from.retry_token);
}

Effects Engine::on(const CallArrivedEvent& e, Timestamp now) {
  Effects fx;
  const auto& org = *e.from.org;
  const auto& call = e.call;
  if ((fx.answer = replay(e.from))) return fx;
  // The same call asking again (a retry without a token) gets the same document.
  if ((fx.answer = calls_.find_answer(org.id, store::kVoiceAnswer, call.call_sid))) return fx;

  auto known = calls_.find(org.id, call.call_sid);
  const CallEvent event{"voice", 0, std::string(call.status), now};
  if (known && known->direction == "outbound" && !known->caller_id.empty()) {
    // A click-to-call: the agent's softphone answered; now the customer is dialled.
    fx.answer = StoredAnswer{200, "text/xml", outbound_document(*known)};
    stage_call(fx, *known, event, true);
    stage_answer(fx, org.id, store::kVoiceAnswer, known->sid, now);
    return fx;
  }
  auto decision = decide_incoming_call(directory_, org, call, now, ring_selector(org.id, now));
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
  fx.answer = StoredAnswer{200, "text/xml", instructions_.render(decision.actions, org.id, record.flow_id)};
  offer(fx.notices, record, decision.actions, now);
  fx.settle.routed_org = org.id;
  fx.settle.routed_sid = record.sid;
  stage_call(fx, record, event, known.has_value());
  // Stored once, by CallSid: a retry (with or without its idempotency token) finds it there, so a
  // second copy under the token would only cost a journal record per call.
  stage_answer(fx, org.id, store::kVoiceAnswer, record.sid, now);
  fx.settle.routed_queued = note_queued(record, now);
  return fx;
}

Effects Engine::on(const CallStatusEvent& e, Timestamp now) {
  Effects fx;
  const auto& org = *e.from.org;
  if ((fx.answer = replay(e.from))) return fx;
  fx.answer = kRecorded;
  auto update = apply_status(calls_.find(org.id, e.status.call_sid), org.id, e.status, now);
  if (update.duplicate) return fx;
  if (update.record.terminal()) {
    // The caller hung up while agents were being rung: their offers end.
    agents_cancelled(org.id, end_offers(fx.notices, org.id, update.record.sid, update.record.status), "", now);
    leave_queue(org.id, update.record.sid, acd::LeaveReason::hung_up);
    if (auto* l = find_live(org.id, update.record.sid)) {
      l->rung.clear();
      forget_if_idle(org.id, update.record.sid);
    }
  }
  // The charge (once, by its ref) rides in the batch with the record that shows it.
  if (update.record.terminal()) fx.settle.wallet = stage_call_charge(update.record, fx.change.records, now);
  stage_call(fx, update.record, update.event);
  if (!e.from.retry_token.empty()) stage_answer(fx, org.id, store::kTokenAnswer, e.from.retry_token, now);
  return fx;
}

Effects Engine::on(const AgentLegEvent& e, Timestamp now) {
  Effects fx;
  const auto& org = *e.from.org;
  const auto& leg = e.leg;
  if ((fx.answer = replay(e.from))) return fx;
  fx.answer = kRecorded;
  const std::string user_id(leg.user_id);
  auto parent = calls_.find(org.id, leg.parent_sid);
  if (!parent || directory_.user(org.id, user_id) == nullptr) return fx;
  if (leg.status == "in-progress") {
    // This agent answered: the call is theirs; everyone else's offer ends.
    if (!parent->user_id.empty()) return fx;  // a retry, or a second leg too late
    auto users = withdraw_offers(org.id, parent->sid);
    agents_cancelled(org.id, users, user_id, now);
    auto& p = pool(org.id);
    if (auto agent = p.find_agent(user_id)) p.answered(*agent, now);
    // The ring group that rang them decides their wrap-up when the call ends.
    std::string group_id;
    if (const auto* f = directory_.flow(org.id, parent->flow_id)) {
      if (const auto* v = f->version(parent->flow_version)) {
        auto at = position_of(*v->compiled, *parent);
        if (at.state != flow::kNoState) {
          if (const auto* g = std::get_if<flow::RingGroupState>(&v->compiled->states[static_cast<std::size_t>(at.state)].settings)) {
            group_id = g->group;
          }
        }
      }
    }
    live(org.id, parent->sid).connected = LiveCall::Connected{user_id, group_id, now};
    for (const auto& u : users) {
      JsonWriter w;
      w.begin_object().field("type", u == user_id ? "call.connected" : "call.ended").field("call_sid", parent->sid);
      if (u != user_id) w.field("outcome", "answered_elsewhere");
      w.end_object();
      fx.notices.push_back({org.id, u, w.take()});
    }
    dispatch_queues(fx, org.id, now);  // the agents not chosen are free again
    auto updated = *parent;
    updated.user_id = user_id;
    updated.group_id = group_id;
    if (!updated.answered_at) updated.answered_at = now;
    if (!updated.connected_at) updated.connected_at = now;
    stage_call(fx, updated, CallEvent{"agent", static_cast<std::int64_t>(updated.flow_path.size()), "answered:" + user_id, now});
    return fx;
  }
  if (!is_terminal_status(leg.status)) return fx;
  if (parent->user_id == user_id) {
    if (auto* l = find_live(org.id, parent->sid); l != nullptr && l->connected) {
      auto& p = pool(org.id);
      auto agent = p.find_agent(user_id);
      auto group = p.find_group(l->connected->group_id);
      auto talk_s = std::chrono::duration_cast<std::chrono::seconds>(now - l->connected->at).count();
      if (leg.duration_s) talk_s = *leg.duration_s;
      std::uint32_t answered = 0;
      if (agent && p.call_ended(*agent, group.value_or(acd::kNoGroup), now, talk_s)) answered = p.agent(*agent).calls_answered;
      // Free again after the group's wrap-up: then the longest-waiting caller may be theirs. The
      // timer ends the wrap-up itself, so its length is real time even if the wall clock is set back.
      int wrap_up_s = 0;
      if (const auto* g = directory_.group(org.id, l->connected->group_id)) wrap_up_s = g->wrap_up_s;
      l->connected.reset();
      forget_if_idle(org.id, parent->sid);
      fx.wakeups.push_back({std::chrono::seconds(wrap_up_s) + std::chrono::milliseconds(1), org.id, user_id, answered});
    }
    JsonWriter w;
    w.begin_object().field("type", "call.ended").field("call_sid", parent->sid).field("outcome", leg.status).end_object();
    fx.notices.push_back({org.id, user_id, w.take()});
  }
  // Every agent leg the provider connected is billed on its own (docs/billing.md), once per leg.
  if (parent->direction == "inbound" && leg.duration_s && *leg.duration_s > 0 && !leg.leg_sid.empty()) {
    auto updated = *parent;
    if ((fx.settle.wallet = stage_leg_charge(updated, leg.leg_sid, *leg.duration_s, fx.change.records, now))) {
      stage_call(fx, updated, CallEvent{"agent_leg", static_cast<std::int64_t>(updated.flow_path.size()),
                                        fmt::format("{}:{}s", user_id, *leg.duration_s), now});
    }
  }
  return fx;
}

Effects Engine::on(const RecordingEvent& e, Timestamp now) {
  Effects fx;
  const auto& org = *e.from.org;
  if ((fx.answer = replay(e.from))) return fx;
  fx.answer = kRecorded;
  fx.settle.wallet = count_recording(org.id, e.recording, fx.change.records, now);
  fx.journal = fx.settle.wallet.has_value();
  // A recording of a call we never saw: its length still counts (the provider stores it).
  auto call = calls_.find(org.id, e.call_sid);
  if (!call) return fx;
  const auto status = e.recording ? std::string(e.recording->status) : std::string();
  if (auto url = finished_recording_url(e.recording)) call->recording_url = *url;
  stage_call(fx, *call, CallEvent{"recording_status", static_cast<std::int64_t>(call->flow_path.size()), status, now});
  return fx;
}

Effects Engine::on(const OutboundPlacedEvent& e, Timestamp now) {
  Effects fx;
  (void)now;
  fx.answer = kRecorded;
  stage_call(fx, e.record, CallEvent{"created", 0, "queued", e.record.started_at});
  return fx;
}

Effects Engine::on(const PresenceStoredEvent& e, Timestamp now) {
  Effects fx;
  sync_user(e.user.org_id, e.user, now);
  JsonWriter w;
  w.begin_object().field("type", "presence.changed").field("user_id", e.user.id).field("presence", e.user.presence).end_object();
  fx.notices.push_back({e.user.org_id, e.user.id, w.take()});
  if (e.user.presence == "available") dispatch_queues(fx, e.user.org_id, now);
  return fx;
}

Effects Engine::on(const AudioFiguresEvent& e, Timestamp now) {
  Effects fx;
  auto call = calls_.find(e.org_id, e.call_sid);
  if (!call) return fx;  // gone past retention, or never ours: nothing to attach to
  // The latest stream's figures stand (a call has one stream; a second would be a restart).
  call->audio = e.figures;
  stage_call(fx, *call, CallEvent{"audio", 0, "", now}, true);
  return fx;
}

Effects Engine::on(const QueueTimerEvent& e, Timestamp now) {
  Effects fx;
  if (auto it = pools_.find(e.org_id); it != pools_.end() && !e.wrap_up_of.empty()) {
    if (auto agent = it->second.find_agent(e.wrap_up_of)) it->second.wrap_up_over(*agent, e.answered, now);
  }
  dispatch_queues(fx, e.org_id, now);
  return fx;
}

void Engine::stage_billing_events(const billing::WalletDecision& decision, store::WriteSet& ops, Timestamp now) {
  // Kept in the outbox column family for the CRM to read (GET /v1/wallet/events): auto-recharge
  // card charges, low balance, overdue numbers. Keyed by when, then a counter: ids sort in the
  // order events happened and never collide.
  for (const auto& e : decision.events) {
    ops.push_back({store::Cf::outbox, store::billing_event_key(e.org_id, now, ++billing_event_counter_),
                   store::encode_value(billing::to_json(e))});
  }
}

}  // namespace callrouter::engine
