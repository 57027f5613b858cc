// What an agent's softphone sends on its WebSocket: every input is a ping, a presence change or
// an error frame that is itself valid JSON.
#include <simdjson.h>

#include "api/agent_message.hpp"
#include "common/utf8.hpp"
#include "fuzz_support.hpp"

using namespace callrouter;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto message = api::read_agent_message(fuzz::as_text(data, size));
  if (auto* refused = std::get_if<api::AgentMessageRefused>(&message)) {
    simdjson::dom::parser parser;
    std::string_view type;
    fuzz::require(parser.parse(refused->frame)["type"].get(type) == simdjson::SUCCESS && type == "error",
                  "a refusal is a JSON error frame");
  } else if (auto* presence = std::get_if<api::AgentPresence>(&message)) {
    fuzz::require(valid_utf8(presence->presence), "a presence is valid text");
  }
  return 0;
}
