// Requests to Twilio's REST API, built as plain outbound requests (the client sends them):
// the base URL comes from config so tests and the simulator can stand in for the provider.
#pragma once

#include <string_view>

#include "outbound/http_client.hpp"

namespace callrouter::twilio {

// POST {base}/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json  Twiml=…  (Basic auth)
outbound::OutboundRequest redirect_call_request(std::string_view api_base_url, std::string_view account_sid,
                                                std::string_view auth_token, std::string_view call_sid,
                                                std::string_view twiml);

std::string form_encode(std::string_view value);

}  // namespace callrouter::twilio
