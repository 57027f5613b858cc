// What a flow tells the provider to do with a call, provider-neutral.
// provider/twilio renders these as TwiML; the flow module never sees XML.
#pragma once

#include <string>
#include <variant>
#include <vector>

namespace callrouter::flow {

struct SayAction {
  std::string text;
  std::string language;
  std::string voice;
  int loop = 1;
};
struct PlayAction {
  std::string url;
  int loop = 1;
};
struct HangupAction {};
struct RejectAction {
  std::string reason = "rejected";  // "rejected" or "busy"
};

using CallAction = std::variant<SayAction, PlayAction, HangupAction, RejectAction>;
using CallActions = std::vector<CallAction>;

}  // namespace callrouter::flow
