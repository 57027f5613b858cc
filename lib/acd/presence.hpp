// Agent presence as agents, the API and the call engine see it (docs/routing.md), with its JSON
// spelling. The rules that move an agent between presences live in AgentPool.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace callrouter::acd {

// available, away and offline are the agent's own choice; on_call and wrap_up are set by the engine.
enum class Presence : std::uint8_t { available, on_call, wrap_up, away, offline };

std::string_view presence_name(Presence presence);
std::optional<Presence> parse_presence(std::string_view name);

// The presences an agent (or the API on the agent's behalf) may choose.
constexpr bool agent_settable(Presence p) {
  return p == Presence::available || p == Presence::away || p == Presence::offline;
}

}  // namespace callrouter::acd
