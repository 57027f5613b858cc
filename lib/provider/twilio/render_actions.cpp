#include "provider/twilio/render_actions.hpp"

#include <fmt/format.h>

#include "provider/twilio/queue_name.hpp"
#include "provider/twilio/say_voices.hpp"
#include "provider/twilio/twiml.hpp"

namespace callrouter::twilio {
namespace {

std::string_view callback_path(flow::Callback kind) {
  switch (kind) {
    case flow::Callback::gather: return "/twilio/gather";
    case flow::Callback::dial: return "/twilio/dial";
    case flow::Callback::queue_result: return "/twilio/queue/result";
    case flow::Callback::queue_wait: return "/twilio/queue/wait";
    case flow::Callback::recording: return "/twilio/recording";
  }
  return "/twilio/voice";
}

struct Renderer {
  TwimlWriter& w;
  std::string_view base;
  CallScope scope;

  void prompt(const flow::PromptAction& p) const {
    std::visit([this](const auto& a) { (*this)(a); }, p);
  }
  // A Say that names only a language gets a voice that speaks it: Twilio's default voice speaks
  // five languages, and a ja-JP Say in it may fail. Chosen here, at render time (see say_voices.hpp).
  void operator()(const flow::SayAction& a) const {
    w.say(a.text, a.language, a.voice.empty() ? default_say_voice(a.language) : std::string_view(a.voice), a.loop);
  }
  void operator()(const flow::PlayAction& a) const { w.play(a.url, a.loop); }
  void operator()(const flow::PauseAction& a) const { w.pause(a.seconds); }
  void operator()(const flow::HangupAction&) const { w.hangup(); }
  void operator()(const flow::RejectAction& a) const { w.reject(a.reason); }
  void operator()(const flow::LeaveAction&) const { w.element("Leave"); }
  void operator()(const flow::GatherAction& a) const {
    auto url = callback_url(base, a.callback);
    auto digits = a.num_digits > 0 ? std::to_string(a.num_digits) : std::string();
    auto timeout = std::to_string(a.timeout_s);
    std::string hints;
    for (const auto& h : a.speech_hints) hints += (hints.empty() ? "" : ",") + h;
    // actionOnEmptyResult: silence comes back to us too, so the menu counts its attempts.
    w.open("Gather", {{"input", hints.empty() ? "dtmf" : "dtmf speech"},
                      {"action", url},
                      {"method", "POST"},
                      {"numDigits", digits},
                      {"timeout", timeout},
                      // Written even when empty: an absent finishOnKey means '#', empty means none.
                      {"finishOnKey", a.finish_on_key, true},
                      {"hints", hints},
                      {"language", hints.empty() ? std::string_view() : std::string_view(a.language)},
                      {"actionOnEmptyResult", "true"}});
    for (const auto& p : a.prompt) prompt(p);
    w.close("Gather");
  }
  void operator()(const flow::DialAction& a) const {
    auto url = callback_url(base, a.callback);
    auto timeout = std::to_string(a.timeout_s);
    auto limit = a.time_limit_s > 0 ? std::to_string(a.time_limit_s) : std::string();
    w.open("Dial", {{"action", url},
                    {"method", "POST"},
                    {"timeout", timeout},
                    {"callerId", a.caller_id},
                    {"timeLimit", limit},
                    {"record", a.record ? "record-from-answer" : ""},
                    // Each finished recording's length counts against the org's storage quota.
                    {"recordingStatusCallback", a.record ? std::string(base) + "/twilio/recording/status" : ""},
                    {"recordingStatusCallbackMethod", a.record ? "POST" : ""}});
    for (const auto& t : a.targets) {
      // An agent's leg reports back, so we learn who answered and when the agent is free again.
      std::string leg_callback;
      if (!t.user_id.empty()) leg_callback = fmt::format("{}/twilio/status?agent={}", base, t.user_id);
      w.element(t.kind == flow::DialTarget::Kind::client ? "Client" : "Number",
                {{"statusCallbackEvent", leg_callback.empty() ? "" : "answered completed"},
                 {"statusCallback", leg_callback},
                 {"statusCallbackMethod", leg_callback.empty() ? "" : "POST"}},
                t.value);
    }
    w.close("Dial");
  }
  void operator()(const flow::EnqueueAction& a) const {
    auto name = provider_queue_name(scope.org_id, scope.flow_id, a.queue);
    auto action = callback_url(base, a.result);
    auto wait = callback_url(base, a.wait);
    w.element("Enqueue", {{"action", action}, {"method", "POST"}, {"waitUrl", wait}, {"waitUrlMethod", "POST"}}, name);
  }
  void operator()(const flow::RecordAction& a) const {
    auto url = callback_url(base, a.callback);
    auto max_length = std::to_string(a.max_length_s);
    w.element("Record", {{"action", url},
                         {"method", "POST"},
                         {"maxLength", max_length},
                         {"finishOnKey", a.finish_on_key, true},
                         {"playBeep", "true"},
                         {"recordingStatusCallback", url},
                         {"transcribe", a.transcribe ? "true" : ""}});
    // Twilio skips the action when nothing was recorded and goes on to the next verb: this one
    // brings the call back to the same callback without a RecordingUrl, so the flow continues.
    w.redirect(url + "&empty=1");
  }
  // A unidirectional stream of both tracks; <Start> goes on while the verbs after it run.
  void operator()(const flow::StreamAudioAction& a) const {
    const auto url = media_stream_url(base);
    w.open("Start");
    w.open("Stream", {{"url", url}, {"track", "both_tracks"}});
    w.element("Parameter", {{"name", "org"}, {"value", a.org_id}});
    w.element("Parameter", {{"name", "call"}, {"value", a.call_sid}});
    w.close("Stream");
    w.close("Start");
  }
};

}  // namespace

std::string callback_url(std::string_view base_url, const flow::CallbackRef& ref) {
  // State ids are [a-z0-9_-]: safe in a query without escaping.
  auto url = fmt::format("{}{}?state={}", base_url, callback_path(ref.kind), ref.state_id);
  if (ref.attempt != 0) url += fmt::format("&attempt={}", ref.attempt);
  if (ref.visit >= 0) url += fmt::format("&visit={}", ref.visit);
  return url;
}

std::string media_stream_url(std::string_view base_url) {
  // The provider connects over TLS where our webhooks are https (and signs this exact URL).
  std::string url(base_url);
  if (url.starts_with("https://")) {
    url.replace(0, 5, "wss");
  } else if (url.starts_with("http://")) {
    url.replace(0, 4, "ws");
  }
  return url + "/twilio/media";
}

std::string render_twiml(const flow::CallActions& actions, std::string_view base_url, CallScope scope) {
  TwimlWriter w;
  Renderer r{w, base_url, scope};
  for (const auto& action : actions) std::visit(r, action);
  return w.finish();
}

}  // namespace callrouter::twilio
