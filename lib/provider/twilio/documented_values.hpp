// The values and ranges the provider documents for the fields callrouter acts on
// (../shared/reference/twilio.md). A signed webhook with anything else is refused (400): a status
// we do not know would otherwise become the call's status, and a duration out of range its charge.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace callrouter::twilio {

bool is_call_status(std::string_view value);       // CallStatus
bool is_dial_call_status(std::string_view value);  // DialCallStatus
bool is_queue_result(std::string_view value);      // QueueResult
bool is_recording_status(std::string_view value);  // RecordingStatus
// RecordingUrl: https://, at most 1024 bytes, printable ASCII without spaces, quotes or angle
// brackets (it becomes a link in the console and a cell of the CSV).
bool is_recording_url(std::string_view value);

// A resource's sid as the provider hands them out: its two-letter prefix ("CA" a call, "PN" a
// phone number) and 32 hex digits. A REST answer with anything else is not the provider's: such a
// sid would become a journal key and a path segment of our API.
bool is_sid(std::string_view value, std::string_view prefix);

// No call lasts longer than the provider's own limit (Dial's timeLimit is at most 24 hours),
// so a duration above it is not one the provider sent.
inline constexpr std::int64_t kMaxDurationS = 24 * 60 * 60;

// A duration field: absent → nullopt; otherwise whole seconds in [0, kMaxDurationS], or an error.
struct Duration {
  std::optional<std::int64_t> seconds;
  bool valid = true;
};
Duration read_duration(std::optional<std::string_view> field);

}  // namespace callrouter::twilio
