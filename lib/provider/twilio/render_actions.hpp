// Renders provider-neutral call actions (what a flow decided) as a TwiML document.
// The only place flow decisions meet Twilio's XML vocabulary.
#pragma once

#include <string>

#include "flow/call_action.hpp"

namespace callrouter::twilio {

std::string render_twiml(const flow::CallActions& actions);

}  // namespace callrouter::twilio
