#include "provider/twilio/call_resource.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include "provider/twilio/documented_values.hpp"
#include "provider/twilio/rest_api.hpp"

namespace callrouter::twilio {

outbound::OutboundRequest fetch_call_request(std::string_view api_base_url, std::string_view account_sid,
                                             std::string_view auth_token, std::string_view call_sid) {
  auto request = account_request(api_base_url, account_sid, auth_token, "GET", fmt::format("Calls/{}.json", call_sid));
  request.content_type.clear();
  return request;
}

Expected<CallResource> read_call_resource(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::object call;
  if (parser.parse(json.data(), json.size()).get(call)) return unexpected(std::string("not a JSON object"));
  std::string_view status;
  if (call["status"].get(status) || !is_call_status(status)) {
    return unexpected(std::string("status is not one the provider documents"));
  }
  CallResource out{std::string(status), std::nullopt};
  // The API writes the duration as a string ("42"); null or absent until the call ends.
  std::string_view duration;
  if (auto field = call["duration"]; field.error() == simdjson::SUCCESS && !field.is_null()) {
    if (field.get(duration)) return unexpected(std::string("duration must be a string of seconds"));
    auto seconds = read_duration(duration);
    if (!seconds.valid) return unexpected(std::string("duration must be whole seconds from 0 to 86400"));
    out.duration_s = seconds.seconds;
  }
  return out;
}

}  // namespace callrouter::twilio
