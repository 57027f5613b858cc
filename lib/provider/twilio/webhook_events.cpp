#include "provider/twilio/webhook_events.hpp"

#include <charconv>

#include "common/time.hpp"
#include "provider/twilio/documented_values.hpp"

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

// Our own callback parameters (?attempt=, ?visit=; the signature covers them): a bad one reads as
// the fallback, which matches no turn of the call, and the engine says so.
int int_or(std::optional<std::string_view> s, int fallback) { return parse_int<int>(s).value_or(fallback); }

std::string_view text(const Form& form, std::string_view name) { return form.get(name).value_or(""); }

}  // namespace

Expected<engine::CallArrived> read_call_arrived(const VerifiedWebhook& w) {
  auto sid = w.form.get("CallSid");
  auto to = w.form.get("To");
  auto from = w.form.get("From");
  if (!sid || sid->empty() || !to || !from) return unexpected(std::string("CallSid, From and To are required"));
  auto status = w.form.get("CallStatus").value_or("ringing");
  if (!is_call_status(status)) return unexpected(std::string("CallStatus is not one the provider documents"));
  return engine::CallArrived{*sid, *from, *to, status, text(w.form, "FromCountry")};
}

Expected<engine::CallStatusChanged> read_status(const VerifiedWebhook& w) {
  auto sid = w.form.get("CallSid");
  auto status = w.form.get("CallStatus");
  if (!sid || sid->empty() || !status || status->empty()) {
    return unexpected(std::string("CallSid and CallStatus are required"));
  }
  if (!is_call_status(*status)) return unexpected(std::string("CallStatus is not one the provider documents"));
  auto duration = read_duration(w.form.get("CallDuration"));
  if (!duration.valid) return unexpected(std::string("CallDuration must be whole seconds from 0 to 86400"));
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
  cb.call_duration_s = duration.seconds;
  return cb;
}

// The same form read_status checked: its CallStatus and CallDuration are the provider's.
std::optional<engine::AgentLegChanged> read_agent_leg(const VerifiedWebhook& w) {
  // The URL names the agent (render_actions puts ?agent= on each agent's leg); the signature
  // covers the URL, so it cannot be made to name another.
  auto agent = w.query.get("agent");
  auto parent = w.form.get("ParentCallSid");
  auto status = w.form.get("CallStatus");
  if (!agent || !parent || !status) return std::nullopt;
  return engine::AgentLegChanged{*agent, *parent, text(w.form, "CallSid"), *status,
                                 read_duration(w.form.get("CallDuration")).seconds};
}

std::optional<engine::RecordingFacts> read_recording(const VerifiedWebhook& w) {
  auto status = w.form.get("RecordingStatus");
  if (!status) return std::nullopt;
  return engine::RecordingFacts{text(w.form, "RecordingSid"), *status,
                                read_duration(w.form.get("RecordingDuration")).seconds, text(w.form, "RecordingUrl")};
}

namespace {

// The recording fields of a status report or a Record's action, when present.
std::optional<std::string> recording_error(const VerifiedWebhook& w) {
  if (auto status = w.form.get("RecordingStatus"); status && !is_recording_status(*status)) {
    return "RecordingStatus is not one the provider documents";
  }
  if (!read_duration(w.form.get("RecordingDuration")).valid) {
    return "RecordingDuration must be whole seconds from 0 to 86400";
  }
  // Shown to admins as a link and written into the CSV: only what the provider sends, an https URL.
  if (auto url = w.form.get("RecordingUrl"); url && !url->empty() && !is_recording_url(*url)) {
    return "RecordingUrl must be an https URL of at most 1024 bytes";
  }
  return std::nullopt;
}

}  // namespace

Expected<RecordingStatus> read_recording_status(const VerifiedWebhook& w) {
  auto sid = w.form.get("CallSid");
  auto recording = w.form.get("RecordingSid");
  if (!sid || !recording || sid->empty() || recording->empty()) {
    return unexpected(std::string("CallSid and RecordingSid are required"));
  }
  if (auto error = recording_error(w)) return unexpected(std::move(*error));
  return RecordingStatus{*sid, {*recording, text(w.form, "RecordingStatus"),
                                read_duration(w.form.get("RecordingDuration")).seconds, text(w.form, "RecordingUrl")}};
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
    case flow::Callback::dial: {
      auto status = w.form.get("DialCallStatus").value_or("failed");
      auto duration = read_duration(w.form.get("DialCallDuration"));
      if (!is_dial_call_status(status)) return unexpected(std::string("DialCallStatus is not one the provider documents"));
      if (!duration.valid) return unexpected(std::string("DialCallDuration must be whole seconds from 0 to 86400"));
      cb.event = {flow::EventKind::dial_result, {}, {}, status};
      cb.dial_leg_sid = text(w.form, "DialCallSid");
      cb.dial_duration_s = static_cast<int>(duration.seconds.value_or(0));
      break;
    }
    case flow::Callback::queue_result: {
      auto result = w.form.get("QueueResult").value_or("error");
      if (!is_queue_result(result)) return unexpected(std::string("QueueResult is not one the provider documents"));
      cb.event = {flow::EventKind::queue_result, {}, {}, result};
      break;
    }
    case flow::Callback::queue_wait: {
      auto waited = read_duration(w.form.get("QueueTime"));
      if (!waited.valid) return unexpected(std::string("QueueTime must be whole seconds from 0 to 86400"));
      cb.event = {flow::EventKind::queue_result, {}, {}, {}};
      cb.queue_time_s = static_cast<int>(waited.seconds.value_or(0));
      break;
    }
    case flow::Callback::recording:
      if (auto error = recording_error(w)) return unexpected(std::move(*error));
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
