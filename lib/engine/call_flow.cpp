#include "engine/call_flow.hpp"

namespace callrouter::engine {
namespace {

void apply_step(const flow::CompiledFlow& flow, CallRecord& record, const flow::Step& step) {
  for (auto s : step.path) record.flow_path.push_back(flow.states[static_cast<std::size_t>(s)].id);
  if (step.next.state == flow::kNoState) {
    record.flow_state.clear();
    record.flow_attempts = 0;
    record.flow_waiting.clear();
  } else {
    record.flow_state = flow.states[static_cast<std::size_t>(step.next.state)].id;
    record.flow_attempts = step.next.attempts;
    record.flow_waiting = std::string(flow::waiting_name(step.next.waiting));
  }
  if (!step.voicemail_url.empty()) {
    if (record.disposition.empty()) record.disposition = "voicemail";
    // The link is known now, so call.voicemail (and the voicemail_received workflow) carries it;
    // a recording status report that came first already set it.
    if (record.voicemail_url.empty()) record.voicemail_url = step.voicemail_url;
  }
  if (step.abandoned && record.disposition.empty()) record.disposition = "abandoned";
}

void stamp_visit(flow::CallActions& actions, int visit) {
  for (auto& action : actions) {
    std::visit(
        [visit](auto& a) {
          using T = std::decay_t<decltype(a)>;
          if constexpr (std::is_same_v<T, flow::EnqueueAction>) {
            a.result.visit = visit;
            a.wait.visit = visit;
          } else if constexpr (requires { a.callback; }) {
            a.callback.visit = visit;
          }
        },
        action);
  }
}

}  // namespace

std::optional<flow::DialTarget> dial_target(const TelephonyUser& u) {
  if (!u.client.empty()) return flow::DialTarget{flow::DialTarget::Kind::client, u.client, u.id};
  if (!u.phone.empty()) return flow::DialTarget{flow::DialTarget::Kind::number, u.phone, u.id};
  return std::nullopt;
}

flow::FlowPosition position_of(const flow::CompiledFlow& flow, const CallRecord& record) {
  flow::FlowPosition at;
  if (record.flow_state.empty()) return at;
  at.state = flow.index_of(record.flow_state);
  at.attempts = static_cast<std::uint8_t>(record.flow_attempts);
  at.waiting = flow::parse_waiting(record.flow_waiting).value_or(flow::Waiting::none);
  return at;
}

FlowTurn advance_call(const PublishedFlow& published, CallRecord& record, flow::FlowPosition at,
                      const flow::FlowEvent& event, Timestamp now, const RingSelector& select) {
  const auto& flow = *published.compiled;
  flow::CallContext ctx{record.from, record.to, record.from_country, {}};
  FlowTurn turn;
  auto step = flow::step(flow, at, event, ctx, now);
  // A ring state with nobody to ring takes its queue or exit within the same answer; the
  // bound is the state count, as for any chain of states.
  for (std::size_t hops = 0;; ++hops) {
    apply_step(flow, record, step);
    for (auto& a : step.actions) turn.actions.push_back(std::move(a));
    turn.ended = step.ended;
    if (!step.assign) break;
    auto decision = select(*step.assign, record);
    if (!decision.targets.empty()) {
      flow::DialAction dial;
      dial.targets = std::move(decision.targets);
      dial.timeout_s = step.assign->ring_timeout_s;
      dial.record = step.assign->record;
      dial.callback = {flow::Callback::dial, flow.states[static_cast<std::size_t>(step.assign->state)].id, step.assign->round};
      turn.actions.push_back(std::move(dial));
      record.flow_waiting = std::string(flow::waiting_name(flow::Waiting::dial));
      break;
    }
    if (hops > flow.states.size()) {
      turn.actions.push_back(flow::HangupAction{});
      turn.ended = true;
      break;
    }
    const std::string_view outcome = decision.queue_full ? "queue_full" : "no_agents";
    step = flow::step(flow, step.next, flow::FlowEvent{flow::EventKind::assign_result, {}, {}, outcome}, ctx, now);
  }
  stamp_visit(turn.actions, static_cast<int>(record.flow_path.size()));
  return turn;
}

}  // namespace callrouter::engine
