// Callers waiting in ring-state queues, and moving the first one in service order (priority,
// then arrival) to an agent who becomes free: the live call is redirected through the provider
// REST API to a <Dial>.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/app.hpp"
#include "engine/call_flow.hpp"
#include "provider/twilio/render_actions.hpp"
#include "provider/twilio/rest_api.hpp"
#include "store/answer_records.hpp"
#include "store/config_records.hpp"

namespace callrouter::app {
namespace {

bool waits_in_queue(const engine::CallRecord& call) {
  return !call.terminal() && call.flow_waiting == flow::waiting_name(flow::Waiting::queue);
}

}  // namespace

std::string queue_key(std::string_view flow_id, std::string_view state_id) {
  return fmt::format("{}/{}", flow_id, state_id);
}

void App::note_queued(const engine::CallRecord& call) {
  if (!waits_in_queue(call)) return;
  const auto* f = directory_.flow(call.org_id, call.flow_id);
  const auto* version = f ? f->version(call.flow_version) : nullptr;
  if (version == nullptr) return;
  auto at = engine::position_of(*version->compiled, call);
  auto request = flow::assign_request_at(*version->compiled, at.state, at.attempts);
  if (!request || request->queue == nullptr) return;
  auto result = queues_[call.org_id].enqueue(call.sid, queue_key(call.flow_id, request->state_id),
                                             request->queue->priority, request->queue->max_callers, clock_());
  if (result == acd::EnqueueResult::queued) ++queue_stats_.entered;
  // The ring selector said there was room moments ago on this same thread; full here would be a bug.
  if (result == acd::EnqueueResult::full) spdlog::error("call {} queued past its queue's max_callers", call.sid);
}

void App::leave_queue(std::string_view org_id, std::string_view call_sid, acd::LeaveReason reason) {
  auto it = queues_.find(org_id);
  if (it == queues_.end() || !it->second.leave(call_sid)) return;
  ++(reason == acd::LeaveReason::hung_up ? queue_stats_.abandoned : queue_stats_.left);
}

void App::dispatch_queues(std::string_view org_id) {
  auto it = queues_.find(org_id);
  if (it == queues_.end()) return;
  auto select = ring_selector(org_id);
  it->second.serve([&](const acd::QueuedCaller& caller) -> std::optional<bool> {
    auto record = calls_.find(org_id, caller.call_id);
    const auto* f = record ? directory_.flow(org_id, record->flow_id) : nullptr;
    const auto* version = f ? f->version(record->flow_version) : nullptr;
    if (version == nullptr || !waits_in_queue(*record)) {
      ++queue_stats_.left;  // left some other way we were not told about
      return true;
    }
    auto at = engine::position_of(*version->compiled, *record);
    auto request = flow::assign_request_at(*version->compiled, at.state, at.attempts);
    if (!request || queue_key(record->flow_id, request->state_id) != caller.queue) {
      ++queue_stats_.left;
      return true;
    }
    auto decision = select(*request, *record);
    if (decision.targets.empty()) return false;
    ++queue_stats_.assigned;
    redirect_to_agents(std::move(*record), *request, std::move(decision.targets), caller);
    return true;
  });
}

void App::redirect_to_agents(engine::CallRecord record, const flow::AssignRequest& request,
                             std::vector<flow::DialTarget> targets, acd::QueuedCaller caller) {
  const auto* org = directory_.org(record.org_id);
  if (org == nullptr || http_ == nullptr) return;
  flow::DialAction dial;
  dial.targets = std::move(targets);
  dial.timeout_s = request.ring_timeout_s;
  dial.record = request.record;
  const auto queued = record;
  record.flow_waiting = std::string(flow::waiting_name(flow::Waiting::dial));
  dial.callback = {flow::Callback::dial, std::string(request.state_id), request.round, static_cast<int>(record.flow_path.size())};
  flow::CallActions actions{dial};
  auto twiml = twilio::render_twiml(actions, config_.public_base_url, {org->id, record.flow_id});
  announce_offers(record, actions);
  engine::CallEvent event{"dequeue", static_cast<std::int64_t>(record.flow_path.size()), "redirected", clock_()};
  runtime::Change change;
  auto ticket = calls_.stage(record, &event, change);
  // Too long for the REST parameter: kept with the move (durable, like every answer) and
  // fetched by the provider from /twilio/redirect instead.
  std::string fetch_url;
  if (twiml.size() > twilio::kMaxRestTwimlChars) {
    const auto id = store::redirect_answer_id(record.sid, dial.callback.visit);
    fetch_url = fmt::format("{}/twilio/redirect?state={}&visit={}", config_.public_base_url, request.state_id, dial.callback.visit);
    calls_.stage_answer(record.org_id, store::kRedirectAnswer, id, StoredAnswer{200, "text/xml", twiml}, change.records, ticket);
  }
  // Puts the caller back where they were (same place in line) when the move did not happen.
  auto back_in_line = [this, queued, caller](std::string_view outcome) {
    agents_cancelled(queued.org_id, end_offers(queued.org_id, queued.sid, outcome), "");
    runtime::Change undo;
    // Dated now: the caller is back in the queue from this moment (queue.joined again).
    engine::CallEvent requeue{"requeue", static_cast<std::int64_t>(queued.flow_path.size()), std::string(outcome), clock_()};
    auto t = calls_.stage(queued, &requeue, undo);
    commit_.submit(std::move(undo), [this, t, queued, caller](bool durable) {
      calls_.settle(t, durable);
      if (durable && queues_[queued.org_id].restore(caller)) ++queue_stats_.entered;
    });
  };
  auto moving_key = store::make_key({record.org_id, record.sid});
  moving_.insert(moving_key);
  // Durable first (the call is the agent's now), then the provider is asked to move it.
  commit_.submit(std::move(change), [this, ticket, record, back_in_line, moving_key, twiml = std::move(twiml), fetch_url = std::move(fetch_url),
                                   account = org->account_sid, token = org->auth_token](bool durable) {
    calls_.settle(ticket, durable);
    if (!durable) {
      moving_.erase(moving_key);
      return back_in_line("not_recorded");
    }
    auto rest = twilio::redirect_call_request(config_.provider_api_base_url, account, token, record.sid, twiml, fetch_url);
    http_->send(std::move(rest), [this, record, back_in_line, moving_key](outbound::OutboundResponse response) {
      moving_.erase(moving_key);
      if (response.status >= 200 && response.status < 300) {
        spdlog::info("call {} moved from the queue to an agent", record.sid);
        return;
      }
      // The provider did not take it: the caller is still in its queue there, so here too.
      spdlog::warn("redirect of call {} failed ({}): {}", record.sid, response.status, response.error);
      back_in_line("redirect_failed");
    });
  });
}

}  // namespace callrouter::app
