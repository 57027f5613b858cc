#pragma once
// The API's answer when a request to the provider's REST API did not succeed, worded for the admin
// who reads it: "could not reach the provider API at … (provider.api_base_url)" when no HTTP answer
// came back (no network, DNS, TLS, timeout), else what the provider said (its error message).
#include <string_view>

#include "outbound/http_client.hpp"
#include "server/http_message.hpp"

namespace callrouter::app {

// `what` says what was being done, e.g. "list available numbers"; every answer is 502 provider_error.
server::HttpResponse provider_refusal(std::string_view what, const outbound::OutboundResponse& r,
                                      std::string_view api_base_url);

}  // namespace callrouter::app
