// What a flow tells the provider to do with a call, provider-neutral.
// provider/twilio renders these as TwiML; the flow module never sees XML or URLs.
#pragma once

#include <string>
#include <variant>
#include <vector>

namespace callrouter::flow {

struct SayAction {
  std::string text;
  std::string language;
  std::string voice;
  int loop = 1;
};
struct PlayAction {
  std::string url;
  int loop = 1;
};
struct PauseAction {
  int seconds = 1;
};
struct HangupAction {};
struct RejectAction {
  std::string reason = "rejected";  // "rejected" or "busy"
};

// Where the provider reports back: the callback kind and the state that asked. The renderer
// turns this into a URL; the app checks the state against the call's own position.
enum class Callback { gather, dial, queue_result, queue_wait, recording };
struct CallbackRef {
  Callback kind;
  std::string state_id;
  int attempt = 0;  // menus ask again: each attempt has its own callback identity
  // How far the call had come (its flow path length) when it started waiting: a flow may come
  // back to the same state, and a callback from an earlier visit must not act on a later one.
  int visit = -1;
};

using PromptAction = std::variant<SayAction, PlayAction>;

struct GatherAction {
  std::vector<PromptAction> prompt;
  int num_digits = 0;  // 0: until timeout or finish key
  int timeout_s = 5;
  std::string finish_on_key = "#";  // empty: no finish key (not the provider's default '#')
  std::vector<std::string> speech_hints;  // non-empty: speech accepted too
  std::string language;  // what speech is recognised as (the prompt's language); empty: provider default
  CallbackRef callback;
};

struct DialTarget {
  enum class Kind { client, number } kind;
  std::string value;
  std::string user_id;  // the telephony user rung, if any (for agent events)
};
struct DialAction {
  std::vector<DialTarget> targets;  // rung at once; the first to answer wins
  int timeout_s = 30;
  std::string caller_id;  // empty: the provider's default (the caller)
  bool record = false;
  int time_limit_s = 0;  // 0: provider default
  CallbackRef callback;
};

struct EnqueueAction {
  std::string queue;  // provider queue name
  CallbackRef result;
  CallbackRef wait;
};
struct LeaveAction {};

// The callback comes back with the recording; when nothing was recorded the provider skips it,
// so the renderer follows the recording with a way back to the same callback (see render_actions).
struct RecordAction {
  int max_length_s = 120;
  std::string finish_on_key = "#";  // empty: no finish key
  bool transcribe = false;
  CallbackRef callback;
};

// Start sending the call's audio, both directions, to the daemon (flow option analyze_audio);
// the stream names the org and the call so it can be matched to its record.
struct StreamAudioAction {
  std::string org_id;
  std::string call_sid;
};

using CallAction = std::variant<SayAction, PlayAction, PauseAction, HangupAction, RejectAction, GatherAction,
                                DialAction, EnqueueAction, LeaveAction, RecordAction, StreamAudioAction>;
using CallActions = std::vector<CallAction>;

}  // namespace callrouter::flow
