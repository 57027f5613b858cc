// A call as callrouter records it: who called whom, how the flow handled it and how it ended.
// This is what the journal stores per call and what GET /v1/calls returns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/expected.hpp"
#include "common/time.hpp"

namespace callrouter::engine {

struct CallRecord {
  std::string sid;
  std::string org_id;
  std::string direction;    // inbound | outbound
  std::string from;
  std::string to;
  std::string status;       // provider CallStatus, latest known
  std::string disposition;  // answered | missed | abandoned | voicemail | rejected | failed | "" while live
  std::string flow_id;
  std::uint32_t flow_version = 0;
  std::vector<std::string> flow_path;  // state ids visited, in order
  Timestamp started_at{};
};

std::string to_json(const CallRecord& record);
Expected<CallRecord> call_record_from_json(std::string_view json);

}  // namespace callrouter::engine
