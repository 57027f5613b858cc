// `callrouterd --show-call ORG/SID`: prints one stored call record as JSON, read straight from
// the journal while the daemon is stopped (for operators and tests).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/expected.hpp"

namespace callrouter::ops {

struct CallRef {
  std::string org_id;
  std::string call_sid;
};

// "ORG/SID"; nullopt when there is no slash.
std::optional<CallRef> parse_call_ref(std::string_view org_and_sid);

// The call record as stored (engine::to_json of the CallRecord); an error when the journal cannot
// be opened or holds no such call.
Expected<std::string> stored_call_json(const std::filesystem::path& data_dir, const CallRef& call);

}  // namespace callrouter::ops
