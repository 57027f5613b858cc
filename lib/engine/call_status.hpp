// Applies a provider status callback to a call record. Callbacks arrive out of order and more
// than once: SequenceNumber orders them, terminal states never regress, duplicates change nothing.
#pragma once

#include <optional>
#include <string_view>

#include "common/time.hpp"
#include "engine/call_record.hpp"

namespace callrouter::engine {

struct StatusCallback {
  std::string_view call_sid;
  std::string_view status;     // CallStatus
  std::string_view direction;  // inbound | outbound-api | outbound-dial
  std::string_view from;
  std::string_view to;
  std::optional<std::uint32_t> sequence;   // SequenceNumber
  std::optional<Timestamp> timestamp;      // Timestamp (when it happened)
  std::optional<std::int64_t> call_duration_s;  // CallDuration, terminal events
};

struct StatusUpdate {
  bool duplicate = false;  // seen before: nothing to write
  CallRecord record;       // the record after the callback
  CallEvent event;         // the event to append
};

// `current` is the call as known (none: the first we hear of it is this callback).
StatusUpdate apply_status(std::optional<CallRecord> current, std::string_view org_id,
                          const StatusCallback& callback, Timestamp now);

// The disposition a terminal status gives a call the engine did not already classify.
std::string_view disposition_for(std::string_view terminal_status);

}  // namespace callrouter::engine
