#include "api/agent_message.hpp"

#include <simdjson.h>

namespace callrouter::api {

AgentMessage read_agent_message(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  std::string_view type;
  if (parser.parse(text.data(), text.size()).get(o) || o["type"].get(type)) {
    return AgentMessageRefused{R"({"type":"error","message":"messages are JSON objects with a type"})"};
  }
  if (type == "ping") return AgentPing{};
  if (type == "presence") {
    std::string_view presence;
    if (o["presence"].get(presence)) return AgentMessageRefused{R"({"type":"error","message":"presence needs a value"})"};
    return AgentPresence{std::string(presence)};
  }
  return AgentMessageRefused{R"({"type":"error","message":"unknown message type"})"};
}

}  // namespace callrouter::api
