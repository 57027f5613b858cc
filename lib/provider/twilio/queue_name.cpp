#include "provider/twilio/queue_name.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

namespace callrouter::twilio {

std::string fit_queue_name(std::string_view full_name) {
  if (full_name.size() <= kMaxQueueNameChars) return std::string(full_name);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(full_name.data(), full_name.size(), digest, &length, EVP_sha256(), nullptr);
  constexpr std::size_t kHashHex = 16;
  std::string out(full_name.substr(0, kMaxQueueNameChars - kHashHex - 1));
  out.push_back('~');
  for (std::size_t i = 0; i < kHashHex / 2; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

std::string provider_queue_name(std::string_view org_id, std::string_view flow_id, std::string_view state_id) {
  return fit_queue_name(fmt::format("{}:{}:{}", org_id, flow_id, state_id));
}

}  // namespace callrouter::twilio
