// The bodies of POST/PATCH /v1/users, /v1/groups and POST /v1/calls, decoded onto the records
// they change. Each field is checked for type, size and shape here, with a message naming it
// (for the 400 the handler answers); what needs the directory — whether a group, member or
// number exists in the org — the handler checks after.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"
#include "engine/directory.hpp"

namespace callrouter::api {

// Applies the fields present onto `user` (an update starts from the stored user). `groups`, when
// the body has it, is the whole new membership.
struct UserBody {
  std::optional<std::vector<std::string>> groups;
};
Expected<UserBody> read_user_body(std::string_view body, engine::TelephonyUser& user, bool creating);

// Applies the fields present onto `group`; `members`, when present, replaces the member order
// (each at most once).
Expected<Ok> read_group_body(std::string_view body, engine::TelephonyGroup& group, bool creating);

// POST /v1/calls: the number to call (not yet parsed as E.164) and the caller ID chosen, if any.
struct OutboundCallBody {
  std::string to;
  std::string caller_id;  // empty: the user's own
};
Expected<OutboundCallBody> read_outbound_call_body(std::string_view body);

}  // namespace callrouter::api
