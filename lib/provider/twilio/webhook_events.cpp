#include "provider/twilio/webhook_events.hpp"

#include <charconv>

#include "common/time.hpp"

namespace callrouter::twilio {
namespace {

template <class Int>
std::optional<Int> parse_int(std::optional<std::string_view> s) {
  if (!s) return std::nullopt;
  Int v{};
  auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc() || p != s->data() + s->size()) return std::nullopt;
  return v;
}

// Our own callback parameters and the provider's counters: a bad one reads as the fallback, as
// the provider's own clients do (they are never ours to refuse).
int int_or(std::optional<std::string_view> s, int fallback) { return parse_int<int>(s).value_or(fallback); }

std::string_view text(const Form& form, std::string_view name) { return form.get(name).value_or(""); }

}  // namespace

Expected<engine::CallArrived> read_call_arrived(const VerifiedWebhook& w) {
  auto sid = w.form.get("CallSid");
  auto to = w.form.get("To");
  auto from = w.form.get("From");
  if (!sid || sid->empty() || !to || !from) return unexpected(std::string("CallSid, From and To are required"));
  return engine::CallArrived{*sid, *from, *to, w.form.get("CallStatus").value_or("ringing"), text(w.form, "FromCountry")};
}

Expected<engine::CallStatusChanged> read_status(const VerifiedWebhook& w) {
  auto sid = w.form.get("CallSid");
  auto status = w.form.get("CallStatus");
  if (!sid || sid->empty() || !status || status->empty()) {
    return unexpected(std::string("CallSid and CallStatus are required"));
  }
  engine::CallStatusChanged cb;
  cb.call_sid = *sid;
  cb.status = *status;
  cb.direction = w.form.get("Direction").value_or("inbound");
  cb.from = text(w.form, "From");
  cb.to = text(w.form, "To");
  cb.sequence = parse_int<std::uint32_t>(w.form.get("SequenceNumber"));
  if (w.form.get("SequenceNumber") && !cb.sequence) {
    return unexpected(std::string("SequenceNumber must be a non-negative integer"));
  }
  if (auto ts = w.form.get("Timestamp")) cb.timestamp = parse_rfc2822(*ts);
  cb.call_duration_s = parse_int<std::int64_t>(w.form.get("CallDuration"));
  return cb;
}

std::optional<engine::AgentLegChanged> read_agent_leg(const VerifiedWebhook& w) {
  // The URL names the agent (render_actions puts ?agent= on each agent's leg); the signature
  // covers the URL, so it cannot be made to name another.
  auto agent = w.query.get("agent");
  auto parent = w.form.get("ParentCallSid");
  auto status = w.form.get("CallStatus");
  if (!agent || !parent || !status) return std::nullopt;
  return engine::AgentLegChanged{*agent, *parent, text(w.form, "CallSid"), *status,
                                 parse_int<std::int64_t>(w.form.get("CallDuration"))};
}

std::optional<engine::RecordingFacts> read_recording(const VerifiedWebhook& w) {
  auto status = w.form.get("RecordingStatus");
  if (!status) return std::nullopt;
  return engine::RecordingFacts{text(w.form, "RecordingSid"), *status,
                                parse_int<std::int64_t>(w.form.get("RecordingDuration"))};
}

Expected<RecordingStatus> read_recording_status(const VerifiedWebhook& w) {
  auto sid = w.form.get("CallSid");
  auto recording = w.form.get("RecordingSid");
  if (!sid || !recording || sid->empty() || recording->empty()) {
    return unexpected(std::string("CallSid and RecordingSid are required"));
  }
  return RecordingStatus{*sid, {*recording, text(w.form, "RecordingStatus"),
                                parse_int<std::int64_t>(w.form.get("RecordingDuration"))}};
}

Expected<engine::FlowCallback> read_flow_callback(flow::Callback kind, const VerifiedWebhook& w) {
  auto sid = w.form.get("CallSid");
  if (!sid || sid->empty()) return unexpected(std::string("CallSid and ?state= are required"));
  engine::FlowCallback cb;
  cb.kind = kind;
  cb.call_sid = *sid;
  cb.state_id = text(w.query, "state");  // none: it matches no state, and the call says so (409)
  cb.attempt = int_or(w.query.get("attempt"), 0);
  cb.visit = int_or(w.query.get("visit"), -1);
  switch (kind) {
    case flow::Callback::gather:
      cb.event = {flow::EventKind::gather, text(w.form, "Digits"), text(w.form, "SpeechResult"), {}};
      break;
    case flow::Callback::dial:
      cb.event = {flow::EventKind::dial_result, {}, {}, w.form.get("DialCallStatus").value_or("failed")};
      cb.dial_leg_sid = text(w.form, "DialCallSid");
      cb.dial_duration_s = int_or(w.form.get("DialCallDuration"), 0);
      break;
    case flow::Callback::queue_result:
      cb.event = {flow::EventKind::queue_result, {}, {}, w.form.get("QueueResult").value_or("error")};
      break;
    case flow::Callback::queue_wait:
      cb.event = {flow::EventKind::queue_result, {}, {}, {}};
      cb.queue_time_s = int_or(w.form.get("QueueTime"), 0);
      break;
    case flow::Callback::recording:
      cb.event = {flow::EventKind::recording, {}, {}, text(w.form, "RecordingUrl")};
      cb.recording = read_recording(w);
      break;
  }
  return cb;
}

Expected<engine::CallerIdVerified> read_caller_id(const VerifiedWebhook& w) {
  auto status = text(w.form, "VerificationStatus");
  if (status != "success" && status != "failed") return unexpected(std::string("not a verification this org asked for"));
  return engine::CallerIdVerified{text(w.query, "user"), w.form.get("PhoneNumber").value_or(text(w.form, "To")),
                                  status == "success"};
}

Expected<RedirectFetch> read_redirect_fetch(const VerifiedWebhook& w) {
  auto sid = w.form.get("CallSid");
  auto visit = w.query.get("visit");
  if (!sid || sid->empty() || !visit) return unexpected(std::string("CallSid and ?visit= are required"));
  return RedirectFetch{*sid, int_or(visit, -1)};
}

}  // namespace callrouter::twilio
