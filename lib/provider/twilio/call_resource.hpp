// The provider's Call resource (GET …/Calls/{CallSid}.json): what it says of a call we have not
// heard the end of. Only the fields the engine acts on, checked as a webhook's would be.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/expected.hpp"
#include "outbound/http_client.hpp"

namespace callrouter::twilio {

outbound::OutboundRequest fetch_call_request(std::string_view api_base_url, std::string_view account_sid,
                                             std::string_view auth_token, std::string_view call_sid);

struct CallResource {
  std::string status;                   // a documented CallStatus
  std::optional<std::int64_t> duration_s;  // "duration": seconds, a string, null while live
};
Expected<CallResource> read_call_resource(std::string_view json);

}  // namespace callrouter::twilio
