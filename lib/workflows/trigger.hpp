// Workflow triggers (DESIGN §4) and which committed call event, in which direction, fires each:
// the one mapping from the event stream to the CRM's vocabulary of "incoming call started", …
#pragma once

#include <optional>
#include <string_view>

namespace callrouter::workflows {

enum class Trigger {
  incoming_call_ring,
  incoming_call_start,
  incoming_call_end,
  outgoing_call_ring,
  outgoing_call_start,
  outgoing_call_end,
  missed_call,
  voicemail_received,
};

std::optional<Trigger> parse_trigger(std::string_view name);
std::string_view trigger_name(Trigger trigger);

// The trigger an event of `type` fires for a call of `direction` ("inbound" | "outbound"), if any:
// call.ringing → *_ring, call.answered → *_start, call.ended → *_end, call.missed → missed_call,
// call.voicemail → voicemail_received. Queue events fire nothing.
std::optional<Trigger> trigger_for(std::string_view event_type, std::string_view direction);

// The event type a trigger listens to (for sample events of POST /v1/workflows/{id}/test).
std::string_view event_type_of(Trigger trigger);
// "inbound" or "outbound" (missed calls and voicemails are inbound).
std::string_view direction_of(Trigger trigger);

}  // namespace callrouter::workflows
