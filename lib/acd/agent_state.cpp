#include "acd/agent_state.hpp"

namespace callrouter::acd {

Presence presence_at(const AgentState& agent, Timestamp now) {
  if (agent.removed) return Presence::offline;
  if (agent.activity == Activity::ringing || agent.activity == Activity::talking) return Presence::on_call;
  if (agent.status != Presence::available) return agent.status;
  if (agent.activity == Activity::wrap_up && now < agent.wrap_up_until) return Presence::wrap_up;
  return Presence::available;
}

}  // namespace callrouter::acd
