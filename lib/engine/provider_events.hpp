// What the telephony provider tells us about calls, in the engine's words. provider/<name>/ reads
// its own webhooks into these, so nothing past it knows a provider's field names. Views point into
// the request they were read from and live as long as it does.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "engine/call_status.hpp"
#include "flow/call_action.hpp"
#include "flow/evaluate.hpp"

namespace callrouter::engine {

// A call needs its first instructions: a call to one of our numbers, or our click-to-call's
// first leg (the agent's softphone) answering.
struct CallArrived {
  std::string_view call_sid;
  std::string_view from;
  std::string_view to;
  std::string_view status;        // as the provider reports it; "ringing" if it says nothing
  std::string_view from_country;  // ISO code, for branch rules; may be empty
};

// The status of a call changed (engine::StatusCallback, call_status.hpp).
using CallStatusChanged = StatusCallback;

// The leg that rang one agent for a call of ours changed status (answered, ended).
struct AgentLegChanged {
  std::string_view user_id;     // the agent the leg rang (named by the callback URL we gave)
  std::string_view parent_sid;  // the caller's call
  std::string_view leg_sid;
  std::string_view status;
  std::optional<std::int64_t> duration_s;  // terminal statuses
};

// Facts about one recording (a voicemail or a recorded call).
struct RecordingFacts {
  std::string_view recording_sid;
  std::string_view status;  // "completed" once it can be counted
  std::optional<std::int64_t> duration_s;
  std::string_view url;  // the provider's RecordingUrl (https), "" if not given
};

// The link to a recording the provider has finished ("completed" with a RecordingUrl), if this is one.
inline std::optional<std::string_view> finished_recording_url(const std::optional<RecordingFacts>& r) {
  if (!r || r->status != "completed" || r->url.empty()) return std::nullopt;
  return r->url;
}

// The provider reports back at a flow state that waits: a menu's input, a dial's or a queue's
// result, a recording. `state_id`, `attempt` and `visit` are what our callback URL said.
struct FlowCallback {
  flow::Callback kind = flow::Callback::gather;
  std::string_view call_sid;
  std::string_view state_id;
  int attempt = 0;
  int visit = -1;
  flow::FlowEvent event;  // digits/speech, dial or queue outcome, recording URL
  int queue_time_s = 0;   // queue waits: how long the caller has waited
  std::string_view dial_leg_sid;  // dial results: the outside leg, for its charge
  std::int64_t dial_duration_s = 0;
  std::optional<RecordingFacts> recording;  // a recording status report at a Record state
  // The provider took the caller out of its queue because we redirected the call.
  bool redirected_from_queue() const {
    return kind == flow::Callback::queue_result && event.outcome.starts_with("redirected");
  }
};

// The provider's answer on verifying a caller ID a user asked for.
struct CallerIdVerified {
  std::string_view user_id;
  std::string_view number;
  bool success = false;
};

}  // namespace callrouter::engine
