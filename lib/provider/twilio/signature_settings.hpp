// X-Twilio-Webhooks-Signature-Settings: the header Twilio adds to a webhook signed with a shared
// key, naming the key and the HMAC, read exactly as twilio-node's getSignatureAlgorithm reads it.
#pragma once

#include <string>
#include <string_view>

#include "common/expected.hpp"
#include "provider/twilio/signature.hpp"

namespace callrouter::twilio {

inline constexpr std::string_view kSignatureSettingsHeader = "x-twilio-webhooks-signature-settings";

struct SignatureSettings {
  std::string key_id;  // the shared key's id (key=…), empty when not given; for logs only
  SignatureAlgorithm algorithm = SignatureAlgorithm::hmac_sha1;
};

// `key=<shared key id>,algorithm=<HMAC_SHA1|HMAC_SHA256>`: comma-separated name=value parts,
// names case-sensitive, blanks around names and values ignored, the algorithm any case; the first
// non-empty algorithm counts, none means HMAC_SHA1. Error: an algorithm that is neither.
Expected<SignatureSettings> parse_signature_settings(std::string_view header);

}  // namespace callrouter::twilio
