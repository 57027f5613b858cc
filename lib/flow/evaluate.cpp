#include "flow/evaluate.hpp"

namespace callrouter::flow {

Step run_from(const CompiledFlow& flow, StateIndex from) {
  Step step;
  StateIndex at = from;
  // Bounded by the state count: the compiler rejects cycles of say states only through
  // reachability, so guard against a say loop here rather than spin.
  for (std::size_t hops = 0; at != kNoState && hops <= flow.states.size(); ++hops) {
    const auto& state = flow.states[static_cast<std::size_t>(at)];
    step.path.push_back(at);
    step.actions.push_back(state.action);
    switch (state.type) {
      case StateType::say:
        at = state.next;
        continue;
      case StateType::hangup:
      case StateType::reject:
        step.ended = true;
        return step;
    }
  }
  // Fell off the end of the flow (a say with no next, or a say loop): hang up.
  step.actions.push_back(HangupAction{});
  step.ended = true;
  return step;
}

}  // namespace callrouter::flow
