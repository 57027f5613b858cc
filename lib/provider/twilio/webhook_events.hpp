// Reads a verified Twilio webhook into the engine's provider-neutral events
// (engine/provider_events.hpp). Errors are the message of the 400 the handler answers.
#pragma once

#include <optional>

#include "common/expected.hpp"
#include "engine/provider_events.hpp"
#include "provider/twilio/webhook_request.hpp"

namespace callrouter::twilio {

// The events are views into the webhook, which must outlive them: each reader refuses a temporary.

// POST /twilio/voice.
Expected<engine::CallArrived> read_call_arrived(const VerifiedWebhook& webhook);
void read_call_arrived(VerifiedWebhook&&) = delete;
// POST /twilio/status: the caller's call, or (agent_leg) the leg that rang an agent.
Expected<engine::CallStatusChanged> read_status(const VerifiedWebhook& webhook);
void read_status(VerifiedWebhook&&) = delete;
std::optional<engine::AgentLegChanged> read_agent_leg(const VerifiedWebhook& webhook);
void read_agent_leg(VerifiedWebhook&&) = delete;
// POST /twilio/gather, /dial, /queue/result, /queue/wait, /recording.
Expected<engine::FlowCallback> read_flow_callback(flow::Callback kind, const VerifiedWebhook& webhook);
void read_flow_callback(flow::Callback, VerifiedWebhook&&) = delete;
// The status reports that share a Record's URL (none: the request is the Record's action).
std::optional<engine::RecordingFacts> read_recording(const VerifiedWebhook& webhook);
void read_recording(VerifiedWebhook&&) = delete;
// POST /twilio/recording/status (<Dial record>): which call, and the recording's facts.
struct RecordingStatus {
  std::string_view call_sid;
  engine::RecordingFacts recording;
};
Expected<RecordingStatus> read_recording_status(const VerifiedWebhook& webhook);
void read_recording_status(VerifiedWebhook&&) = delete;
// POST /twilio/caller-id.
Expected<engine::CallerIdVerified> read_caller_id(const VerifiedWebhook& webhook);
void read_caller_id(VerifiedWebhook&&) = delete;
// POST /twilio/redirect: the call and visit whose stored document the provider fetches.
struct RedirectFetch {
  std::string_view call_sid;
  int visit = -1;
};
Expected<RedirectFetch> read_redirect_fetch(const VerifiedWebhook& webhook);
void read_redirect_fetch(VerifiedWebhook&&) = delete;

}  // namespace callrouter::twilio
