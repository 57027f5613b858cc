// The shapes of identifiers every layer checks: object ids (states, flows, users, orgs) and
// E.164 phone numbers. One definition, so the API and the flow compiler agree.
#pragma once

#include <algorithm>
#include <string_view>

namespace callrouter {

// [a-z0-9_-]{1,64}
inline bool is_valid_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

// "+" then 7 to 15 digits, no leading zero (ITU-T E.164 shape; not whether the number exists).
inline bool is_e164(std::string_view n) {
  if (n.size() < 8 || n.size() > 16 || n[0] != '+' || n[1] == '0') return false;
  return std::all_of(n.begin() + 1, n.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace callrouter
