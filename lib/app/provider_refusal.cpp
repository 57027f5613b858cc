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
  if (r.status >= 200 && r.status < 300) {
    // It said yes, but not in the shape its API documents (an HTML page from a proxy, a body cut
    // short): nothing can be taken from it.
    return server::json_error(502, "provider_error",
                              fmt::format("could not {}: the provider answered HTTP {} but not with the JSON its API "
                                          "documents; nothing was recorded",
                                          what, r.status));
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
