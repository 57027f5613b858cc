// X-Twilio-Signature: the HMAC Twilio puts on every webhook, computed and checked exactly as
// Twilio's helper libraries do, so ingest can refuse forged requests before doing any work.
#pragma once

#include <string>
#include <string_view>

#include "provider/twilio/form.hpp"

namespace callrouter::twilio {

// The HMAC a webhook is signed with: SHA-1 with the auth token (every webhook by default), or
// what X-Twilio-Webhooks-Signature-Settings names for one signed with a shared key.
enum class SignatureAlgorithm { hmac_sha1, hmac_sha256 };

// Base64(HMAC-SHA1(auth_token, url + each name and value, names sorted by byte, a repeated
// name's distinct values sorted)). For GET requests pass an empty Form: the query is in `url`.
// Empty only if OpenSSL itself fails. With hmac_sha256 (shared-key signing) the key is the shared
// key and the text signed is the same.
std::string compute_signature(std::string_view auth_token, std::string_view url,
                              const Form& params,
                              SignatureAlgorithm algorithm = SignatureAlgorithm::hmac_sha1);

// True when `signature` matches `url` with its port removed, or with the scheme's default port
// added (an explicit port is kept), in constant time. False for an empty token or signature and
// for a URL that is not absolute (scheme://host...) or has a bad port.
bool validate_signature(std::string_view auth_token, std::string_view url, const Form& params,
                        std::string_view signature,
                        SignatureAlgorithm algorithm = SignatureAlgorithm::hmac_sha1);

// JSON bodies: `url` carries bodySHA256=<lowercase hex SHA-256 of body>; the URL is signed with
// no params and the body hash compared separately. False when the URL has no bodySHA256.
bool validate_json_signature(std::string_view auth_token, std::string_view url,
                             std::string_view body, std::string_view signature,
                             SignatureAlgorithm algorithm = SignatureAlgorithm::hmac_sha1);

// Only the body half of validate_json_signature: `url` carries a bodySHA256 equal to the body's
// hash. Needs no key, so a JSON body can be refused before it is parsed or its org looked up.
bool body_hash_matches(std::string_view url, std::string_view body);

// Lowercase hex, as bodySHA256 carries it.
std::string sha256_hex(std::string_view data);

}  // namespace callrouter::twilio
