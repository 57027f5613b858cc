#include "provider/twilio/webhook_request.hpp"

#include <spdlog/spdlog.h>

#include "common/utf8.hpp"
#include "provider/twilio/json_body.hpp"
#include "provider/twilio/signature.hpp"
#include "provider/twilio/signature_settings.hpp"

namespace callrouter::twilio {

using server::json_error;

Expected<VerifiedWebhook, server::HttpResponse> verify_webhook(const server::HttpRequest& request,
                                                               std::string_view public_base_url,
                                                               const FindOrg& find_org) {
  auto signature = request.header("x-twilio-signature");
  if (signature.empty()) {
    spdlog::warn("twilio: {} {} without X-Twilio-Signature: refused", request.method, request.target);
    return unexpected(json_error(403, "forbidden", "missing X-Twilio-Signature"));
  }
  const bool is_get = request.method == "GET";
  const auto url = std::string(public_base_url) + request.target;
  // A JSON body (Twilio's newer webhooks) is signed through the bodySHA256 its URL carries: one
  // without it, or with another body's hash, is refused before its JSON is even parsed.
  const bool is_json = !is_get && is_json_content_type(request.header("content-type"));
  if (is_json && !body_hash_matches(url, request.body)) {
    spdlog::warn("twilio: JSON body for {} without a matching bodySHA256: refused", request.target);
    return unexpected(json_error(403, "forbidden", "a JSON body needs a matching bodySHA256 in the signed URL"));
  }
  auto form = is_json ? parse_json_fields(request.body) : parse_form(is_get ? request.query() : std::string_view(request.body));
  if (!form) return unexpected(json_error(400, "bad_request", form.error()));
  const engine::Org* org = find_org(form->get("AccountSid"), form->get("To"));
  // Shared-key signing names itself in a header (twilio-node reads it so too); without one the
  // auth token signs with HMAC-SHA1. An org with no shared key has an empty one: never valid.
  std::string_view key = org != nullptr ? std::string_view(org->auth_token) : std::string_view();
  auto algorithm = SignatureAlgorithm::hmac_sha1;
  if (auto settings_header = request.header(kSignatureSettingsHeader); !settings_header.empty()) {
    auto settings = parse_signature_settings(settings_header);
    if (!settings) {
      spdlog::warn("twilio: {} signed with {}: refused", request.target, settings.error());
      return unexpected(json_error(403, "forbidden", settings.error()));
    }
    key = org != nullptr ? std::string_view(org->webhook_shared_key) : std::string_view();
    algorithm = settings->algorithm;
  }
  // GET signs the URL alone: its parameters are already in it; so does a JSON body.
  static const Form kNoParams;
  const bool valid = org != nullptr && (is_json ? validate_json_signature(key, url, request.body, signature, algorithm)
                                                : validate_signature(key, url, is_get ? kNoParams : *form, signature, algorithm));
  if (!valid) {
    spdlog::warn("twilio: invalid signature for {} (account {}{}): refused", request.target,
                 form->get("AccountSid").value_or("?"),
                 org != nullptr && key.empty() ? ", shared-key signed but the org has no shared key" : "");
    return unexpected(json_error(403, "forbidden", "invalid X-Twilio-Signature"));
  }
  auto query = parse_form(request.query());
  if (!query) return unexpected(json_error(400, "bad_request", "query: " + query.error()));
  // Signed as sent, used as valid text: a caller name or number with stray bytes would otherwise
  // reach the call record, its JSON and the agents' softphones (which refuse invalid UTF-8).
  for (auto* f : {&*form, &*query}) {
    for (auto& p : f->params) make_valid_utf8(p.value);
  }
  return VerifiedWebhook{org, std::move(*form), std::move(*query), request.header("i-twilio-idempotency-token")};
}

}  // namespace callrouter::twilio
