// The name of the provider queue a caller waits in: one per org, flow and ring state, within
// Twilio's 64-character limit (error 14205), and the same on every run of the daemon.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace callrouter::twilio {

inline constexpr std::size_t kMaxQueueNameChars = 64;

// `{org}:{flow}:{state}` when it fits; else its first 47 characters, '~' and 16 hex digits of
// its SHA-256, so two long names that share a beginning still get different queues. Only the
// org, flow and state ids go in (no clock, no counter): a restart names the same queue.
std::string provider_queue_name(std::string_view org_id, std::string_view flow_id, std::string_view state_id);

// The same rule for a name already joined (the renderer's scope + the state id).
std::string fit_queue_name(std::string_view full_name);

}  // namespace callrouter::twilio
