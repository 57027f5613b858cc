// Renders provider-neutral call actions (what a flow decided) as a TwiML document.
// The only place flow decisions meet Twilio's XML vocabulary and callback URLs.
#pragma once

#include <string>
#include <string_view>

#include "flow/call_action.hpp"

namespace callrouter::twilio {

// `base_url` is public_base_url: callbacks become absolute URLs under it, e.g.
// "https://voice.example.com/twilio/gather?state=menu". Queue names are scoped to the call's org
// and flow (provider_queue_name, queue_name.hpp) so two queues never meet at the provider.
struct CallScope {
  std::string_view org_id;
  std::string_view flow_id;
};
std::string render_twiml(const flow::CallActions& actions, std::string_view base_url = {}, CallScope scope = {});

// Where the provider sends a call's Media Stream: public_base_url with wss:// (ws:// for http://)
// and /twilio/media. Also the URL the stream's upgrade is signed over.
std::string media_stream_url(std::string_view base_url);

std::string callback_url(std::string_view base_url, const flow::CallbackRef& ref);

}  // namespace callrouter::twilio
