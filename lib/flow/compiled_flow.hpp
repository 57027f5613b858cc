// A call flow compiled from its JSON definition (FLOWS.md): states resolved to indices so that
// evaluation does no string lookups and touches no JSON.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"
#include "flow/call_action.hpp"

namespace callrouter::flow {

using StateIndex = std::int32_t;
inline constexpr StateIndex kNoState = -1;

enum class StateType : std::uint8_t { say, hangup, reject };

struct CompiledState {
  std::string id;
  StateType type = StateType::hangup;
  CallAction action;  // what entering the state emits (say/play, hangup, reject)
  StateIndex next = kNoState;
};

struct CompiledFlow {
  std::string name;
  std::string description;
  StateIndex start = kNoState;
  std::vector<CompiledState> states;
};

// Limits that keep one org's flow from costing the daemon unbounded memory or time.
inline constexpr std::size_t kMaxStates = 1000;
inline constexpr std::size_t kMaxTextBytes = 4096;

// Parses and validates a definition. Errors name the state and field, e.g.
// "state 'greeting': field 'next': no state 'nowhere'".
Expected<CompiledFlow> compile_flow(std::string_view definition_json);

}  // namespace callrouter::flow
