// Runs a compiled flow: a pure function from (flow, state) to the actions for the provider.
// Non-blocking states chain into one answer so one webhook covers as much of the flow as possible.
#pragma once

#include "flow/compiled_flow.hpp"

namespace callrouter::flow {

struct Step {
  CallActions actions;
  std::vector<StateIndex> path;  // states visited, in order (call history and analytics)
  bool ended = false;            // the call ends after these actions
};

// Enters `from` and follows exits until a state that ends the call or waits for the caller.
Step run_from(const CompiledFlow& flow, StateIndex from);

}  // namespace callrouter::flow
