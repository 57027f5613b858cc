// Verifies a Twilio webhook and hands over its fields: signature (form, GET, JSON body with
// bodySHA256, auth token or shared key), the org that signed it, and its retry token.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/expected.hpp"
#include "engine/directory.hpp"
#include "provider/twilio/form.hpp"
#include "server/http_message.hpp"

namespace callrouter::twilio {

struct VerifiedWebhook {
  const engine::Org* org = nullptr;  // the org whose key signed it; never null
  Form form;                         // the provider's fields (POST body, JSON body or GET query)
  Form query;                        // our callback URL's own parameters (?state=…)
  std::string_view retry_token;      // the same on every retry of one request; may be empty
};

// Which org a request claims to be of: by its account id, else by the number called.
using FindOrg = std::function<const engine::Org*(std::optional<std::string_view> account_id,
                                                 std::optional<std::string_view> called)>;

// The refusal is the answer to send: 403 for a missing or invalid signature, 400 for a body or
// query that is not well-formed. `public_base_url` is what the provider signed against.
Expected<VerifiedWebhook, server::HttpResponse> verify_webhook(const server::HttpRequest& request,
                                                               std::string_view public_base_url,
                                                               const FindOrg& find_org);

}  // namespace callrouter::twilio
