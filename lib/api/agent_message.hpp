// What an agent's softphone may send on WS /v1/agent: {"type":"ping"} or
// {"type":"presence","presence":"…"}. Anything else is answered with an error frame, never closed
// on: a softphone built against a newer version keeps working.
#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace callrouter::api {

struct AgentPing {};
struct AgentPresence {
  std::string presence;  // not yet checked against the presence values: the directory does that
};
struct AgentMessageRefused {
  std::string_view frame;  // the error frame to send back (static text)
};
using AgentMessage = std::variant<AgentPing, AgentPresence, AgentMessageRefused>;

AgentMessage read_agent_message(std::string_view text);

}  // namespace callrouter::api
