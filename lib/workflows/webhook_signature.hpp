// Standard Webhooks signing (standardwebhooks.com): the secret is "whsec_" + base64 of 24 to 64
// random bytes; webhook-signature is "v1," + base64(HMAC-SHA256(secret bytes, id "." ts "." body)).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace callrouter::workflows {

inline constexpr std::string_view kSecretPrefix = "whsec_";

// The key bytes of a "whsec_…" secret; nullopt unless it is that prefix, then valid base64 of
// 24 to 64 bytes.
std::optional<std::string> decode_secret(std::string_view secret);

// A fresh secret of 32 random bytes from the OS (OpenSSL RAND_bytes).
std::string generate_secret();

// "v1,<base64>" over "<id>.<timestamp>.<body>" with the decoded key.
std::string sign(std::string_view key, std::string_view webhook_id, std::int64_t timestamp_s, std::string_view body);

std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace callrouter::workflows
