// API keys: per-org keys with role admin or agent, issued as "crk_<id>_<secret>" and stored as
// a SHA-256 of the secret, so a copy of the journal cannot be used to call the API.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/time.hpp"

namespace callrouter::auth {

enum class Role { system, admin, agent };
std::string_view role_name(Role role);
std::optional<Role> parse_role(std::string_view name);  // "admin" | "agent" (system is never issued)

struct ApiKey {
  std::string id;  // public part of the token, 16 hex digits
  std::string org_id;
  Role role = Role::agent;
  std::string user_id;      // agent keys belong to one telephony user
  std::string secret_hash;  // hex SHA-256 of the secret part
  Timestamp created_at{};
  bool revoked = false;
};

struct IssuedKey {
  ApiKey key;
  std::string token;  // shown once, never stored
};

IssuedKey issue_key(std::string_view org_id, Role role, std::string_view user_id, Timestamp now);

struct TokenParts {
  std::string_view id;
  std::string_view secret;
};
std::optional<TokenParts> split_token(std::string_view token);

// Constant time in the secret: compares digests of equal length.
bool secret_matches(const ApiKey& key, std::string_view secret);
bool system_key_matches(std::string_view system_key, std::string_view presented);

std::string random_hex(std::size_t bytes);

}  // namespace callrouter::auth
