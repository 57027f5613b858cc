// Signature checking over hostile URLs: canonicalisation (ports added and removed, schemes,
// hosts), the bodySHA256 of JSON bodies and the shared-key settings header.
// Input: url NUL signature NUL body NUL X-Twilio-Webhooks-Signature-Settings.
#include "fuzz_support.hpp"
#include "provider/twilio/signature.hpp"
#include "provider/twilio/signature_settings.hpp"

using namespace callrouter;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto f = fuzz::split_fields(fuzz::as_text(data, size), 4);
  const auto url = f[0], signature = f[1], body = f[2], settings = f[3];
  static const twilio::Form kNoParams;
  auto form = twilio::parse_form(body);
  const auto& params = form ? *form : kNoParams;

  (void)twilio::validate_signature("token", url, params, signature);
  (void)twilio::validate_json_signature("token", url, body, signature, twilio::SignatureAlgorithm::hmac_sha256);
  (void)twilio::body_hash_matches(url, body);
  (void)twilio::parse_signature_settings(settings);

  for (auto algorithm : {twilio::SignatureAlgorithm::hmac_sha1, twilio::SignatureAlgorithm::hmac_sha256}) {
    const auto ours = twilio::compute_signature("token", url, params, algorithm);
    fuzz::require(!ours.empty(), "a signature is computed for any URL and params");
    // Whatever the URL, a signature made with one key never passes with another, nor with no key.
    fuzz::require(!twilio::validate_signature("another-token", url, params, ours, algorithm), "another key fails");
    fuzz::require(!twilio::validate_signature("", url, params, ours, algorithm), "an empty key fails");
    fuzz::require(!twilio::validate_signature("token", url, params, "", algorithm), "an empty signature fails");
  }
  return 0;
}
