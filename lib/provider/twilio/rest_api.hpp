// Requests to Twilio's REST API, built as plain outbound requests (the client sends them):
// the base URL comes from config so tests and the simulator can stand in for the provider.
#pragma once

#include <string_view>

#include "outbound/http_client.hpp"

namespace callrouter::twilio {

// Twilio refuses a longer `Twiml=` parameter (error 32018).
inline constexpr std::size_t kMaxRestTwimlChars = 4000;

// POST {base}/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json  Twiml=…  (Basic auth).
// A document over kMaxRestTwimlChars goes as `Url=fetch_url&Method=POST` instead: the provider
// fetches it there (a route the daemon serves), so `fetch_url` must be given for such documents.
outbound::OutboundRequest redirect_call_request(std::string_view api_base_url, std::string_view account_sid,
                                                std::string_view auth_token, std::string_view call_sid,
                                                std::string_view twiml, std::string_view fetch_url = {});

// Any request under {base}/2010-04-01/Accounts/{AccountSid}/ — `path` is what follows, e.g.
// "IncomingPhoneNumbers.json"; `body` a form (empty for GET/DELETE).
outbound::OutboundRequest account_request(std::string_view api_base_url, std::string_view account_sid,
                                          std::string_view auth_token, std::string_view method,
                                          std::string_view path, std::string body = {});

// GET …/AvailablePhoneNumbers/{CC}/{Local|Mobile|TollFree}.json?Contains=&AreaCode=
outbound::OutboundRequest available_numbers_request(std::string_view api_base_url, std::string_view account_sid,
                                                    std::string_view auth_token, std::string_view country,
                                                    std::string_view type, std::string_view contains,
                                                    std::string_view area_code);

std::string form_encode(std::string_view value);
// Joins name=value pairs form-encoded.
std::string form_body(std::initializer_list<std::pair<std::string_view, std::string_view>> fields);

}  // namespace callrouter::twilio
