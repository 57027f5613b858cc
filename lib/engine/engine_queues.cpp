// Callers waiting in ring-state queues, and moving the first one in service order (priority,
// then arrival) to an agent who becomes free: the move is journaled, then the runtime asks the
// provider to redirect the live call to a <Dial> (MoveCall), and its reply comes back as a
// MoveReplyEvent.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "engine/engine.hpp"
#include "store/answer_records.hpp"

namespace callrouter::engine {
namespace {

bool waits_in_queue(const CallRecord& call) {
  return !call.terminal() && call.flow_waiting == flow::waiting_name(flow::Waiting::queue);
}

}  // namespace

std::string queue_key(std::string_view flow_id, std::string_view state_id) { return fmt::format("{}/{}", flow_id, state_id); }

bool Engine::note_queued(const CallRecord& call, Timestamp now) {
  if (!waits_in_queue(call)) return false;
  const auto* f = directory_.flow(call.org_id, call.flow_id);
  const auto* version = f ? f->version(call.flow_version) : nullptr;
  if (version == nullptr) return false;
  auto at = position_of(*version->compiled, call);
  auto request = flow::assign_request_at(*version->compiled, at.state, at.attempts);
  if (!request || request->queue == nullptr) return false;
  auto result = queues_[call.org_id].enqueue(call.sid, queue_key(call.flow_id, request->state_id), request->queue->priority,
                                             request->queue->max_callers, now);
  if (result == acd::EnqueueResult::queued) ++queue_stats_.entered;
  // The ring selector said there was room moments ago; full here would be a bug.
  if (result == acd::EnqueueResult::full) spdlog::error("call {} queued past its queue's max_callers", call.sid);
  return result == acd::EnqueueResult::queued;
}

void Engine::leave_queue(std::string_view org_id, std::string_view call_sid, acd::LeaveReason reason) {
  auto it = queues_.find(org_id);
  if (it == queues_.end() || !it->second.leave(call_sid)) return;
  ++(reason == acd::LeaveReason::hung_up ? queue_stats_.abandoned : queue_stats_.left);
}

void Engine::dispatch_queues(Effects& fx, std::string_view org_id, Timestamp now) {
  auto it = queues_.find(org_id);
  if (it == queues_.end()) return;
  auto select = ring_selector(org_id, now);
  it->second.serve([&](const acd::QueuedCaller& caller) -> std::optional<bool> {
    auto record = calls_.find(org_id, caller.call_id);
    const auto* f = record ? directory_.flow(org_id, record->flow_id) : nullptr;
    const auto* version = f ? f->version(record->flow_version) : nullptr;
    if (version == nullptr || !waits_in_queue(*record)) {
      ++queue_stats_.left;  // left some other way we were not told about
      return true;
    }
    auto at = position_of(*version->compiled, *record);
    auto request = flow::assign_request_at(*version->compiled, at.state, at.attempts);
    if (!request || queue_key(record->flow_id, request->state_id) != caller.queue) {
      ++queue_stats_.left;
      return true;
    }
    auto decision = select(*request, *record);
    if (decision.targets.empty()) return false;
    ++queue_stats_.assigned;
    move_to_agents(fx, std::move(*record), *request, std::move(decision.targets), caller, now);
    return true;
  });
}

void Engine::move_to_agents(Effects& fx, CallRecord record, const flow::AssignRequest& request,
                            std::vector<flow::DialTarget> targets, acd::QueuedCaller caller, Timestamp now) {
  if (directory_.org(record.org_id) == nullptr) return;
  flow::DialAction dial;
  dial.targets = std::move(targets);
  dial.timeout_s = request.ring_timeout_s;
  dial.record = request.record;
  auto queued = record;
  record.flow_waiting = std::string(flow::waiting_name(flow::Waiting::dial));
  dial.callback = {flow::Callback::dial, std::string(request.state_id), request.round, static_cast<int>(record.flow_path.size())};
  flow::CallActions actions{dial};
  MoveCall move;
  move.org_id = record.org_id;
  move.call_sid = record.sid;
  move.document = instructions_.render(actions, record.org_id, record.flow_id);
  offer(move.notices, record, actions, now);
  const CallEvent event{"dequeue", static_cast<std::int64_t>(record.flow_path.size()), "redirected", now};
  move.settle.calls = calls_.stage(record, &event, move.change);
  // Too long for the REST parameter: kept with the move (durable, like every answer) and
  // fetched by the provider from /twilio/redirect instead.
  if (move.document.size() > instructions_.max_inline_move) {
    move.fetch_query = fmt::format("state={}&visit={}", request.state_id, dial.callback.visit);
    calls_.stage_answer(record.org_id, store::kRedirectAnswer, store::redirect_answer_id(record.sid, dial.callback.visit),
                        StoredAnswer{200, "text/xml", move.document}, now, move.change.records, move.settle.calls);
  }
  live(record.org_id, record.sid).moving = LiveCall::Move{std::move(queued), std::move(caller)};
  fx.moves.push_back(std::move(move));
}

Effects Engine::on(const MoveReplyEvent& e, Timestamp now) {
  Effects fx;
  auto* l = find_live(e.org_id, e.call_sid);
  if (l == nullptr || !l->moving) return fx;
  auto move = std::move(*l->moving);
  l->moving.reset();
  if (e.accepted) {
    forget_if_idle(e.org_id, e.call_sid);
    return fx;
  }
  // The provider did not take it (or the move never reached the disk): the caller is still in
  // its queue there, so here too — back at the same place in line, dated now (queue.joined again).
  agents_cancelled(e.org_id, end_offers(fx.notices, e.org_id, e.call_sid, e.outcome), "", now);
  stage_call(fx, move.queued, CallEvent{"requeue", static_cast<std::int64_t>(move.queued.flow_path.size()), e.outcome, now});
  fx.settle.requeue = std::move(move.caller);
  fx.settle.requeue_org = e.org_id;
  return fx;
}

}  // namespace callrouter::engine
