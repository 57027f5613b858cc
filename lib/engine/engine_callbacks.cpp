// Engine::apply for callbacks that resume a call in its flow: gather, dial, queue and recording.
// The state a callback names is checked against the call's own position, never trusted.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "engine/engine.hpp"
#include "store/answer_records.hpp"

namespace callrouter::engine {
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
bool dial_connected(const FlowCallback& cb) { return cb.event.outcome == "completed" || cb.event.outcome == "answered"; }

StoredAnswer document(std::string body) { return StoredAnswer{200, "text/xml", std::move(body)}; }

}  // namespace

Effects Engine::on(const FlowCallbackEvent& e, Timestamp now) {
  Effects fx;
  const auto& org = *e.from.org;
  const auto& cb = e.callback;
  const auto kind = cb.kind;
  const auto sid = cb.call_sid;
  const auto callback_id = fmt::format("{}/{}/{}/{}/{}", sid, callback_name(kind), cb.state_id, cb.attempt, cb.visit);
  if ((fx.answer = replay(e.from))) return fx;
  // A recording status report shares the Record's URL but is its own event, never a replay.
  const bool recording_status = kind == flow::Callback::recording && cb.recording.has_value();
  // The provider retrying a callback we already answered gets that answer again.
  if (kind != flow::Callback::queue_wait && !recording_status) {
    if ((fx.answer = calls_.find_answer(org.id, store::kCallbackAnswer, callback_id))) return fx;
  }

  auto record = calls_.find(org.id, sid);
  const FlowEntry* flow = record ? directory_.flow(org.id, record->flow_id) : nullptr;
  const PublishedFlow* version = flow ? flow->version(record->flow_version) : nullptr;
  if (version == nullptr && record && record->direction == "outbound" && kind == flow::Callback::dial) {
    return outbound_dial_result(org, *record, e, callback_id, now);
  }
  if (version == nullptr) {
    spdlog::warn("callback {} for call {} that is in no flow: hanging up", callback_name(kind), sid);
    fx.answer = document(instructions_.render({flow::HangupAction{}}, org.id, {}));
    return fx;
  }
  const auto& compiled = *version->compiled;
  auto at = position_of(compiled, *record);

  // A recording status report carries facts about a recording, not a turn of the flow.
  if (recording_status) {
    fx.answer = StoredAnswer{200, "application/json", R"({"status":"recorded"})"};
    fx.settle.wallet = count_recording(org.id, cb.recording, fx.change.records, now);
    // A voicemail state records the caller's message; a ring or forward state records the call.
    const auto state = compiled.index_of(cb.state_id);
    const bool voicemail = state != flow::kNoState &&
                           compiled.states[static_cast<std::size_t>(state)].type == flow::StateType::voicemail;
    if (auto url = finished_recording_url(cb.recording)) {
      (voicemail ? record->voicemail_url : record->recording_url) = *url;
    } else if (voicemail && !cb.recording->url.empty() && cb.recording->url == record->voicemail_url &&
               (cb.recording->status == "failed" || cb.recording->status == "absent")) {
      // The link the Record's action gave leads to no file: the provider lost the message.
      record->voicemail_url.clear();
    }
    stage_call(fx, *record, CallEvent{"recording_status", static_cast<std::int64_t>(record->flow_path.size()),
                                      std::string(cb.recording->status), now});
    stage_answer(fx, org.id, store::kCallbackAnswer, callback_id + "/status", now);
    return fx;
  }

  const auto& state_id = cb.state_id;
  auto* moving = find_live(org.id, sid);
  // A queue callback for a call we moved from that queue to an agent (waiting dial there now).
  const bool moved_from_here = at.state != flow::kNoState && compiled.states[static_cast<std::size_t>(at.state)].id == state_id &&
                               at.waiting == flow::Waiting::dial && expected_wait(kind) == flow::Waiting::queue;
  // The REST redirect is on its way to the provider.
  const bool being_moved = moved_from_here && moving != nullptr && moving->moving.has_value();
  // A move that never reached the provider (the daemon stopped between journaling it and asking):
  // the caller is still in the provider's queue, so the queue's callbacks apply as if queued.
  const bool redirected = cb.redirected_from_queue();
  if (moved_from_here && !being_moved && !redirected) at.waiting = flow::Waiting::queue;
  const bool in_place = at.state != flow::kNoState && compiled.states[static_cast<std::size_t>(at.state)].id == state_id &&
                        at.waiting == expected_wait(kind) && (kind != flow::Callback::gather || at.attempts == cb.attempt) &&
                        (cb.visit < 0 || static_cast<std::size_t>(cb.visit) == record->flow_path.size());
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
    fx.answer = document(instructions_.render(actions, org.id, record->flow_id));
    return fx;
  }
  // A caller we moved to an agent leaves the provider's queue: nothing more to do for it here.
  if (!in_place && redirected) {
    fx.answer = document(instructions_.render({}, org.id, record->flow_id));
    return fx;
  }
  // The provider reports the caller out of its queue while our move is still on its way: keep the
  // line open for the redirect rather than answer an error (the provider would hang up).
  if (being_moved && kind == flow::Callback::queue_result) {
    fx.answer = document(instructions_.render({flow::PauseAction{10}}, org.id, record->flow_id));
    return fx;
  }
  if (!in_place) {
    spdlog::warn("callback {} for call {} claims state '{}' (attempt {}), but the call is at '{}' waiting for {}",
                 callback_name(kind), sid, state_id, cb.attempt, record->flow_state, record->flow_waiting);
    fx.answer = StoredAnswer{409, "application/json",
                             R"({"error":{"code":"conflict","message":"the call is not waiting at that state"}})"};
    return fx;
  }

  const auto& event = cb.event;
  auto updated = *record;
  if (kind == flow::Callback::queue_result) {
    leave_queue(org.id, updated.sid, event.outcome == "hangup" ? acd::LeaveReason::hung_up : acd::LeaveReason::timed_out);
  }
  if (kind == flow::Callback::dial) {
    auto rung = end_offers(fx.notices, org.id, updated.sid, event.outcome);
    // Nobody picked up: each agent rung missed it (counts toward auto-away).
    if (event.outcome == "no-answer" || event.outcome == "busy" || event.outcome == "failed") {
      agents_missed(fx, org.id, rung, now);
    } else {
      agents_cancelled(org.id, rung, "", now);
    }
    if (!rung.empty()) fx.wakeups.push_back({std::chrono::milliseconds(0), org.id, /*wrap_up_of=*/{}, 0});
  }
  auto turn = advance_call(*version, updated, at, event, now, ring_selector(org.id, now));
  offer(fx.notices, updated, turn.actions, now);
  fx.settle.routed_queued = note_queued(updated, now);
  fx.settle.routed_org = org.id;
  fx.settle.routed_sid = updated.sid;
  limit_recording(org.id, turn.actions);
  fx.answer = document(instructions_.render(turn.actions, org.id, updated.flow_id));
  std::string outcome(kind == flow::Callback::gather ? event.digits : event.outcome);
  const CallEvent call_event{std::string(callback_name(kind)), static_cast<std::int64_t>(record->flow_path.size()), outcome, now};
  // A forward's outside leg is billed on its own, once (by DialCallSid), when its Dial ends.
  if (const auto* fwd = std::get_if<flow::ForwardState>(&compiled.states[static_cast<std::size_t>(at.state)].settings);
      fwd != nullptr && kind == flow::Callback::dial) {
    if (!cb.dial_leg_sid.empty() && cb.dial_duration_s > 0) {
      fx.settle.wallet = stage_forward_charge(updated, fwd->number, cb.dial_leg_sid, cb.dial_duration_s, fx.change.records, now);
    }
    if (dial_connected(cb) && !updated.connected_at) updated.connected_at = now - std::chrono::seconds(cb.dial_duration_s);
  }
  stage_call(fx, updated, call_event);
  stage_answer(fx, org.id, store::kCallbackAnswer, callback_id, now);
  if (!e.from.retry_token.empty()) stage_answer(fx, org.id, store::kTokenAnswer, e.from.retry_token, now);
  return fx;
}

Effects Engine::outbound_dial_result(const Org& org, const CallRecord& record, const FlowCallbackEvent& e,
                                     const std::string& callback_id, Timestamp now) {
  // A click-to-call's <Dial> to the customer ended: it tells whether they answered and how long
  // they talked. The agent's own leg ends with it.
  Effects fx;
  const auto& cb = e.callback;
  fx.answer = document(instructions_.render({flow::HangupAction{}}, org.id, {}));
  auto updated = record;
  if (dial_connected(cb) && !updated.connected_at) updated.connected_at = now - std::chrono::seconds(cb.dial_duration_s);
  stage_call(fx, updated, CallEvent{"dial", static_cast<std::int64_t>(updated.flow_path.size()), std::string(cb.event.outcome), now});
  stage_answer(fx, org.id, store::kCallbackAnswer, callback_id, now);
  if (!e.from.retry_token.empty()) stage_answer(fx, org.id, store::kTokenAnswer, e.from.retry_token, now);
  return fx;
}

}  // namespace callrouter::engine
