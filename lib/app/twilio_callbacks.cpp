// Provider callbacks that resume a call in its flow: gather, dial, queue and recording.
// The state a callback names is checked against the call's own position, never trusted.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/app.hpp"
#include "engine/call_flow.hpp"
#include "provider/twilio/render_actions.hpp"
#include "provider/twilio/webhook_events.hpp"
#include "store/answer_records.hpp"
#include "store/config_records.hpp"

namespace callrouter::app {

using server::HttpRequest;
using server::HttpResponse;
using server::json_error;
using server::Reply;

namespace {

std::string_view callback_name(flow::Callback kind) {
  switch (kind) {
    case flow::Callback::gather: return "gather";
    case flow::Callback::dial: return "dial";
    case flow::Callback::queue_result: return "queue_result";
    case flow::Callback::queue_wait: return "queue_wait";
    case flow::Callback::recording: return "recording";
  }
  return "callback";
}

// What the call must be waiting for to accept this callback.
flow::Waiting expected_wait(flow::Callback kind) {
  switch (kind) {
    case flow::Callback::gather: return flow::Waiting::gather;
    case flow::Callback::dial: return flow::Waiting::dial;
    case flow::Callback::queue_result:
    case flow::Callback::queue_wait: return flow::Waiting::queue;
    case flow::Callback::recording: return flow::Waiting::record;
  }
  return flow::Waiting::none;
}

// A Dial's result says the number it rang answered (the result comes when the Dial ends).
bool dial_connected(const engine::FlowCallback& cb) {
  return cb.event.outcome == "completed" || cb.event.outcome == "answered";
}

HttpResponse twiml(std::string body) {
  HttpResponse r;
  r.content_type = "text/xml";
  r.body = std::move(body);
  return r;
}

}  // namespace

void App::twilio_recording_status(HttpRequest&& request, Reply reply) {
  auto verified = accept_twilio(request, reply);
  if (!verified) return;
  const auto& org = *verified->org;
  auto report = twilio::read_recording_status(*verified);
  if (!report) return reply(json_error(400, "bad_request", report.error()));
  StoredAnswer answer{200, "application/json", R"({"status":"recorded"})"};
  runtime::Change change;
  auto& ops = change.records;
  auto wallet_ticket = count_recording(org.id, report->recording, ops);
  auto call = calls_.find(org.id, report->call_sid);
  if (!call) {
    // A recording of a call we never saw: its length still counts (the provider stores it).
    if (!wallet_ticket) return reply(to_response(answer));
    commit_.submit(std::move(change), [this, wallet_ticket, answer, reply = std::move(reply)](bool durable) {
      wallets_.settle(*wallet_ticket, durable);
      reply(durable ? to_response(answer) : json_error(503, "journal_unavailable", "not recorded; retry"));
    });
    return;
  }
  engine::CallEvent event{"recording_status", static_cast<std::int64_t>(call->flow_path.size()),
                          std::string(report->recording.status), clock_()};
  auto ticket = calls_.stage(*call, &event, change);
  commit_and_reply(std::move(change), ticket, std::move(answer), std::move(reply), wallet_ticket);
}

void App::twilio_callback(HttpRequest&& request, flow::Callback kind, Reply reply) {
  auto verified = accept_twilio(request, reply);
  if (!verified) return;
  const auto& org = *verified->org;
  auto read = twilio::read_flow_callback(kind, *verified);
  if (!read) return reply(json_error(400, "bad_request", read.error()));
  const auto& cb = *read;
  const auto sid = cb.call_sid;
  const auto state_id = cb.state_id;
  const int attempt = cb.attempt;
  const int visit = cb.visit;
  const auto callback_id = fmt::format("{}/{}/{}/{}/{}", sid, callback_name(kind), state_id, attempt, visit);
  // A recording status report shares the Record's URL but is its own event, never a replay.
  const bool recording_status = kind == flow::Callback::recording && cb.recording.has_value();
  // The provider retrying a callback we already answered gets that answer again.
  if (kind != flow::Callback::queue_wait && !recording_status) {
    if (auto seen = calls_.find_answer(org.id, store::kCallbackAnswer, callback_id)) {
      HttpResponse r;
      r.status = seen->status;
      r.content_type = seen->content_type;
      r.body = seen->body;
      return reply(std::move(r));
    }
  }

  auto record = calls_.find(org.id, sid);
  const engine::FlowEntry* flow = record ? directory_.flow(org.id, record->flow_id) : nullptr;
  const engine::PublishedFlow* version = flow ? flow->version(record->flow_version) : nullptr;
  if (version == nullptr && record && record->direction == "outbound" && kind == flow::Callback::dial) {
    return outbound_dial_result(org, *record, cb, callback_id, verified->retry_token, std::move(reply));
  }
  if (version == nullptr) {
    spdlog::warn("twilio: {} callback for call {} that is in no flow: hanging up", callback_name(kind), sid);
    return reply(twiml(twilio::render_twiml({flow::HangupAction{}})));
  }
  const auto& compiled = *version->compiled;
  auto at = engine::position_of(compiled, *record);

  // A recording status report carries facts about a recording, not a turn of the flow.
  if (recording_status) {
    StoredAnswer answer{200, "application/json", R"({"status":"recorded"})"};
    engine::CallEvent event{"recording_status", static_cast<std::int64_t>(record->flow_path.size()),
                            std::string(cb.recording->status), clock_()};
    runtime::Change change;
    auto& ops = change.records;
    auto wallet_ticket = count_recording(org.id, cb.recording, ops);
    auto ticket = calls_.stage(*record, &event, change);
    calls_.stage_answer(org.id, store::kCallbackAnswer, callback_id + "/status", answer, ops, ticket);
    return commit_and_reply(std::move(change), ticket, std::move(answer), std::move(reply), wallet_ticket);
  }

  // A queue callback for a call we moved from that queue to an agent (waiting dial there now).
  const bool moved_from_here = at.state != flow::kNoState && compiled.states[static_cast<std::size_t>(at.state)].id == state_id &&
                               at.waiting == flow::Waiting::dial && expected_wait(kind) == flow::Waiting::queue;
  // The REST redirect is on its way to the provider.
  const bool being_moved = moved_from_here && moving_.contains(store::make_key({org.id, sid}));
  // A move that never reached the provider (the daemon stopped between journaling it and asking):
  // the caller is still in the provider's queue, so the queue's callbacks apply as if queued.
  const bool redirected = cb.redirected_from_queue();
  if (moved_from_here && !being_moved && !redirected) at.waiting = flow::Waiting::queue;
  const bool in_place = at.state != flow::kNoState && compiled.states[static_cast<std::size_t>(at.state)].id == state_id &&
                        at.waiting == expected_wait(kind) && (kind != flow::Callback::gather || at.attempts == attempt) &&
                        (visit < 0 || static_cast<std::size_t>(visit) == record->flow_path.size());
  if (kind == flow::Callback::queue_wait) {
    // The wait document only reads the call; a caller no longer queued is told to leave — except
    // one being moved, who holds on (the redirect replaces whatever plays) instead of leaving
    // the queue and hanging up before it lands.
    // The place in line is ours (priority, then arrival), not the provider's FIFO position.
    std::optional<std::size_t> position;
    if (auto q = queues_.find(org.id); q != queues_.end()) position = q->second.position(sid);
    auto actions = in_place      ? flow::queue_wait_actions(compiled, at.state, cb.queue_time_s, position)
                   : being_moved ? flow::CallActions{flow::PauseAction{5}}
                                 : flow::CallActions{flow::LeaveAction{}};
    return reply(twiml(twilio::render_twiml(actions, config_.public_base_url, {org.id, record->flow_id})));
  }
  // A caller we moved to an agent leaves the provider's queue: nothing more to do for it here.
  if (!in_place && redirected) {
    return reply(twiml(twilio::render_twiml({})));
  }
  // The provider reports the caller out of its queue while our move is still on its way: keep the
  // line open for the redirect rather than answer an error (the provider would hang up).
  if (being_moved && kind == flow::Callback::queue_result) {
    return reply(twiml(twilio::render_twiml({flow::PauseAction{10}})));
  }
  if (!in_place) {
    spdlog::warn("twilio: {} callback for call {} claims state '{}' (attempt {}), but the call is at '{}' waiting for {}",
                 callback_name(kind), sid, state_id, attempt, record->flow_state, record->flow_waiting);
    return reply(json_error(409, "conflict", "the call is not waiting at that state"));
  }

  const auto& event = cb.event;
  const auto now = clock_();
  auto updated = *record;
  if (kind == flow::Callback::queue_result) {
    leave_queue(org.id, updated.sid, event.outcome == "hangup" ? acd::LeaveReason::hung_up : acd::LeaveReason::timed_out);
  }
  if (kind == flow::Callback::dial) {
    auto rung = end_offers(org.id, updated.sid, event.outcome);
    // Nobody picked up: each agent rung missed it (counts toward auto-away).
    if (event.outcome == "no-answer" || event.outcome == "busy" || event.outcome == "failed") {
      agents_missed(org.id, rung);
    } else {
      agents_cancelled(org.id, rung, "");
    }
    if (!rung.empty() && schedule_) schedule_(std::chrono::milliseconds(0), [this, org_id = org.id] { dispatch_queues(org_id); });
  }
  auto turn = engine::advance_call(*version, updated, at, event, now, ring_selector(org.id));
  announce_offers(updated, turn.actions);
  note_queued(updated);
  limit_recording(org.id, turn.actions);
  StoredAnswer answer{200, "text/xml", twilio::render_twiml(turn.actions, config_.public_base_url, {org.id, updated.flow_id})};
  std::string outcome(kind == flow::Callback::gather ? event.digits : event.outcome);
  engine::CallEvent call_event{std::string(callback_name(kind)), static_cast<std::int64_t>(record->flow_path.size()),
                               outcome, now};
  runtime::Change change;
  auto& ops = change.records;
  std::optional<WalletBook::Ticket> wallet_ticket;
  // A forward's outside leg is billed on its own, once (by DialCallSid), when its Dial ends.
  if (const auto* fwd = std::get_if<flow::ForwardState>(&compiled.states[static_cast<std::size_t>(at.state)].settings);
      fwd != nullptr && kind == flow::Callback::dial) {
    if (!cb.dial_leg_sid.empty() && cb.dial_duration_s > 0) {
      wallet_ticket = stage_forward_charge(updated, fwd->number, cb.dial_leg_sid, cb.dial_duration_s, ops);
    }
    if (dial_connected(cb) && !updated.connected_at) updated.connected_at = now - std::chrono::seconds(cb.dial_duration_s);
  }
  auto ticket = calls_.stage(updated, &call_event, change);
  calls_.stage_answer(org.id, store::kCallbackAnswer, callback_id, answer, ops, ticket);
  if (!verified->retry_token.empty()) calls_.stage_answer(org.id, store::kTokenAnswer, verified->retry_token, answer, ops, ticket);
  commit_and_reply(std::move(change), ticket, std::move(answer), std::move(reply), wallet_ticket);
}

void App::outbound_dial_result(const engine::Org& org, const engine::CallRecord& record, const engine::FlowCallback& cb,
                               const std::string& callback_id, std::string_view retry_token, Reply reply) {
  // A click-to-call's <Dial> to the customer ended: it tells whether they answered and how long
  // they talked. The agent's own leg ends with it.
  StoredAnswer answer{200, "text/xml", twilio::render_twiml({flow::HangupAction{}})};
  const auto now = clock_();
  auto updated = record;
  if (dial_connected(cb) && !updated.connected_at) updated.connected_at = now - std::chrono::seconds(cb.dial_duration_s);
  engine::CallEvent event{"dial", static_cast<std::int64_t>(updated.flow_path.size()), std::string(cb.event.outcome), now};
  runtime::Change change;
  auto ticket = calls_.stage(updated, &event, change);
  calls_.stage_answer(org.id, store::kCallbackAnswer, callback_id, answer, change.records, ticket);
  if (!retry_token.empty()) calls_.stage_answer(org.id, store::kTokenAnswer, retry_token, answer, change.records, ticket);
  commit_and_reply(std::move(change), ticket, std::move(answer), std::move(reply));
}

}  // namespace callrouter::app
