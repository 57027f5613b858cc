// Callers waiting in ring-state queues, and moving the longest-waiting one to an agent who
// becomes free: the live call is redirected through the provider REST API to a <Dial>.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/app.hpp"
#include "engine/call_flow.hpp"
#include "provider/twilio/render_actions.hpp"
#include "provider/twilio/rest_api.hpp"
#include "store/config_records.hpp"

namespace callrouter::app {

void App::note_queued(const engine::CallRecord& call) {
  if (call.flow_waiting != flow::waiting_name(flow::Waiting::queue)) return;
  queued_[call.org_id].push_back(QueuedCall{call.sid, call.flow_id, call.flow_state, clock_()});
}

void App::dispatch_queues(std::string_view org_id) {
  auto it = queued_.find(org_id);
  if (it == queued_.end()) return;
  auto& waiting = it->second;
  // Oldest first across the org's queues: the first caller some eligible agent can take wins.
  for (auto q = waiting.begin(); q != waiting.end();) {
    auto record = calls_.find(org_id, q->call_sid);
    if (!record || record->terminal() || record->flow_state != q->state_id ||
        record->flow_waiting != flow::waiting_name(flow::Waiting::queue)) {
      q = waiting.erase(q);  // left the queue some other way
      continue;
    }
    const auto* f = directory_.flow(org_id, record->flow_id);
    const auto* version = f ? f->version(record->flow_version) : nullptr;
    if (version == nullptr) {
      q = waiting.erase(q);
      continue;
    }
    const auto& compiled = *version->compiled;
    auto at = engine::position_of(compiled, *record);
    const auto& state = compiled.states[static_cast<std::size_t>(at.state)];
    flow::AssignRequest request;
    request.state = at.state;
    if (const auto* g = std::get_if<flow::RingGroupState>(&state.settings)) {
      request = {at.state, true, g->group, g->strategy, g->ring_timeout_s, g->record, at.attempts};
    } else if (const auto* u = std::get_if<flow::RingUserState>(&state.settings)) {
      request = {at.state, false, u->user, flow::RingStrategy::parallel, u->ring_timeout_s, u->record, at.attempts};
    } else {
      q = waiting.erase(q);
      continue;
    }
    auto targets = ring_selector(org_id)(request);
    if (targets.empty()) {
      ++q;
      continue;
    }
    q = waiting.erase(q);
    redirect_to_agents(*record, state.id, request, std::move(targets));
  }
}

void App::redirect_to_agents(engine::CallRecord record, const std::string& state_id, const flow::AssignRequest& request,
                             std::vector<flow::DialTarget> targets) {
  const auto* org = directory_.org(record.org_id);
  if (org == nullptr || http_ == nullptr) return;
  flow::DialAction dial;
  dial.targets = std::move(targets);
  dial.timeout_s = request.ring_timeout_s;
  dial.record = request.record;
  record.flow_waiting = std::string(flow::waiting_name(flow::Waiting::dial));
  dial.callback = {flow::Callback::dial, state_id, request.round, static_cast<int>(record.flow_path.size())};
  flow::CallActions actions{dial};
  auto twiml = twilio::render_twiml(actions, config_.public_base_url, org->id + ":");
  announce_offers(record, actions);
  engine::CallEvent event{"dequeue", static_cast<std::int64_t>(record.flow_path.size()), "redirected", clock_()};
  store::WriteSet ops;
  auto ticket = calls_.stage(record, &event, ops);
  // Durable first (the call is the agent's now), then the provider is asked to move it.
  journal_.commit(std::move(ops), [this, ticket, record, twiml = std::move(twiml), account = org->account_sid,
                                   token = org->auth_token](bool durable) {
    calls_.settle(ticket, durable);
    if (!durable) {
      agents_cancelled(record.org_id, end_offers(record.org_id, record.sid, "not_recorded"), "");
      return;
    }
    auto rest = twilio::redirect_call_request(config_.provider_api_base_url, account, token, record.sid, twiml);
    http_->send(std::move(rest), [this, record](outbound::OutboundResponse response) {
      if (response.status >= 200 && response.status < 300) {
        spdlog::info("call {} moved from the queue to an agent", record.sid);
        return;
      }
      // The provider did not take it: the offer ends; the caller stays in the queue until it
      // times out there (the flow's on.timeout) — nothing is left half-done on our side.
      spdlog::warn("redirect of call {} failed ({}): {}", record.sid, response.status, response.error);
      agents_cancelled(record.org_id, end_offers(record.org_id, record.sid, "redirect_failed"), "");
    });
  });
}

}  // namespace callrouter::app
