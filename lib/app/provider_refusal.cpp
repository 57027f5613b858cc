#include "app/provider_refusal.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include "common/utf8.hpp"

namespace callrouter::app {

server::HttpResponse provider_refusal(std::string_view what, const outbound::OutboundResponse& r,
                                      std::string_view api_base_url) {
  if (r.status == 0) {
    return server::json_error(502, "provider_error",
                              fmt::format("could not {}: the provider API at {} could not be reached ({}); check the "
                                          "network and provider.api_base_url in the config",
                                          what, api_base_url, r.error));
  }
  // The provider's error bodies are {"code": 20003, "message": "Authenticate", …}: its words help.
  simdjson::dom::parser parser;
  std::string_view message;
  if (parser.parse(r.body)["message"].get(message) != simdjson::SUCCESS) message = {};
  if (message.empty()) {
    return server::json_error(502, "provider_error", fmt::format("could not {}: the provider answered HTTP {}", what, r.status));
  }
  return server::json_error(502, "provider_error", fmt::format("could not {}: the provider answered HTTP {}: {}", what,
                                                               r.status, to_valid_utf8(message)));
}

}  // namespace callrouter::app
