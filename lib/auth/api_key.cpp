#include "auth/api_key.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <stdexcept>

#include "provider/twilio/signature.hpp"

namespace callrouter::auth {
namespace {

constexpr std::string_view kPrefix = "crk_";

bool is_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool digests_equal(std::string_view a_hex, std::string_view b_hex) {
  return a_hex.size() == b_hex.size() && CRYPTO_memcmp(a_hex.data(), b_hex.data(), a_hex.size()) == 0;
}

}  // namespace

std::string_view role_name(Role role) {
  switch (role) {
    case Role::system: return "system";
    case Role::admin: return "admin";
    case Role::agent: return "agent";
  }
  return "agent";
}

std::optional<Role> parse_role(std::string_view name) {
  if (name == "admin") return Role::admin;
  if (name == "agent") return Role::agent;
  return std::nullopt;
}

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    // No entropy means no safe keys: a start-up-class failure, not bad input.
    throw std::runtime_error("RAND_bytes failed");
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes * 2);
  for (unsigned char c : raw) {
    hex.push_back(kDigits[c >> 4]);
    hex.push_back(kDigits[c & 0xf]);
  }
  return hex;
}

IssuedKey issue_key(std::string_view org_id, Role role, std::string_view user_id, Timestamp now) {
  IssuedKey issued;
  auto& k = issued.key;
  k.id = random_hex(8);
  k.org_id = std::string(org_id);
  k.role = role;
  k.user_id = std::string(user_id);
  k.created_at = now;
  auto secret = random_hex(32);
  k.secret_hash = twilio::sha256_hex(secret);
  issued.token = std::string(kPrefix) + k.id + "_" + secret;
  return issued;
}

std::optional<TokenParts> split_token(std::string_view token) {
  if (!token.starts_with(kPrefix)) return std::nullopt;
  token.remove_prefix(kPrefix.size());
  auto sep = token.find('_');
  if (sep != 16 || token.size() != 16 + 1 + 64) return std::nullopt;
  TokenParts parts{token.substr(0, 16), token.substr(17)};
  if (!is_hex(parts.id) || !is_hex(parts.secret)) return std::nullopt;
  return parts;
}

bool secret_matches(const ApiKey& key, std::string_view secret) {
  return digests_equal(twilio::sha256_hex(secret), key.secret_hash);
}

bool system_key_matches(std::string_view system_key, std::string_view presented) {
  if (system_key.empty()) return false;
  return digests_equal(twilio::sha256_hex(system_key), twilio::sha256_hex(presented));
}

}  // namespace callrouter::auth
