// Handles for agents and ring groups inside one AgentPool: dense indices, cheap to copy and
// compare. An id is never reused while its pool lives (a removed agent's id stays dead).
#pragma once

#include <cstdint>

namespace callrouter::acd {

enum class AgentId : std::uint32_t {};
enum class GroupId : std::uint32_t {};

inline constexpr AgentId kNoAgent{0xFFFF'FFFFu};
inline constexpr GroupId kNoGroup{0xFFFF'FFFFu};

constexpr std::uint32_t index_of(AgentId a) { return static_cast<std::uint32_t>(a); }
constexpr std::uint32_t index_of(GroupId g) { return static_cast<std::uint32_t>(g); }

}  // namespace callrouter::acd
