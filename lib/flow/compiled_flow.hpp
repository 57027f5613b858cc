// A call flow compiled from its JSON definition (FLOWS.md): states resolved to indices so that
// evaluation does no string lookups and touches no JSON.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/expected.hpp"
#include "flow/business_hours.hpp"
#include "flow/call_action.hpp"

namespace callrouter::flow {

using StateIndex = std::int32_t;
inline constexpr StateIndex kNoState = -1;

enum class StateType : std::uint8_t {
  say, menu, business_hours, branch, ring_user, ring_group, voicemail, forward, hangup, reject
};
std::string_view state_type_name(StateType type);

enum class RingStrategy : std::uint8_t {
  parallel, sequential, round_robin, longest_idle, fewest_calls, least_talk_time, top_down, random
};
std::optional<RingStrategy> parse_ring_strategy(std::string_view name);
std::string_view ring_strategy_name(RingStrategy strategy);

struct SayState {
  CallAction speech;  // SayAction or PlayAction (loop inside)
  StateIndex next = kNoState;
};

struct MenuState {
  std::vector<PromptAction> prompt;
  std::vector<std::pair<std::string, StateIndex>> options;  // digits -> state
  std::vector<std::pair<std::string, StateIndex>> speech;   // lower-case keyword -> state
  int timeout_s = 5;
  int attempts = 3;
  int num_digits = 0;  // 0: the longest option's length
  std::string finish_on_key = "#";  // empty: no finish key
  std::string language;  // the prompt's language: speech is recognised in it
  StateIndex on_no_input = kNoState;
  StateIndex on_invalid = kNoState;
};

struct BusinessHoursState {
  BusinessHours hours;
  StateIndex on_open = kNoState;
  StateIndex on_closed = kNoState;
};

struct BranchRule {
  enum class Kind : std::uint8_t { caller_prefix, caller_country, called_number, caller_in, variable_equals };
  Kind kind;
  std::vector<std::string> values;  // prefixes, countries, numbers; for variable_equals: {name, value}
  StateIndex next = kNoState;
};
struct BranchState {
  std::vector<BranchRule> rules;
  StateIndex default_next = kNoState;
};

struct QueueSettings {
  bool enabled = false;
  int max_callers = 10;
  int max_wait_s = 300;
  std::string music_url;
  std::optional<PromptAction> announcement;
  int announce_every_s = 30;
  int priority = 0;  // callers in higher-priority queues reach a free agent first
  // Said before the announcement with kPositionPlaceholder replaced by the caller's place in line.
  std::optional<SayAction> position_announcement;
};
inline constexpr std::string_view kPositionPlaceholder = "{position}";

struct RingUserState {
  std::string user;
  int ring_timeout_s = 20;
  bool record = false;
  QueueSettings queue;
  StateIndex on_no_answer = kNoState, on_busy = kNoState, on_unavailable = kNoState, on_queue_full = kNoState,
             on_timeout = kNoState, on_completed = kNoState;
};

struct RingGroupState {
  std::string group;
  RingStrategy strategy = RingStrategy::parallel;
  int ring_timeout_s = 20;
  int max_rounds = 1;
  bool record = false;
  QueueSettings queue;
  StateIndex on_no_answer = kNoState, on_queue_full = kNoState, on_timeout = kNoState, on_completed = kNoState;
};

struct VoicemailState {
  std::vector<PromptAction> greeting;
  int max_length_s = 120;
  std::string finish_on_key = "#";
  bool transcribe = false;
  std::string notify_user;
  std::string notify_group;
  StateIndex next = kNoState;
};

struct ForwardState {
  std::string number;
  std::string caller_id = "caller";  // "caller" or one of the org's numbers
  int timeout_s = 30;
  bool record = false;
  StateIndex on_completed = kNoState, on_no_answer = kNoState, on_busy = kNoState, on_failed = kNoState;
};

struct HangupState {};
struct RejectState {
  std::string reason = "rejected";
};

using StateSettings = std::variant<SayState, MenuState, BusinessHoursState, BranchState, RingUserState, RingGroupState,
                                   VoicemailState, ForwardState, HangupState, RejectState>;

struct CompiledState {
  std::string id;
  StateType type = StateType::hangup;
  StateSettings settings;
};

struct CompiledFlow {
  std::string name;
  std::string description;
  bool analyze_audio = false;  // stream the call's audio to us (Media Streams) and measure it
  StateIndex start = kNoState;
  std::vector<CompiledState> states;

  StateIndex index_of(std::string_view id) const;  // kNoState if none (not for the hot path)
};

// Limits that keep one org's flow from costing the daemon unbounded memory or time.
inline constexpr std::size_t kMaxStates = 1000;
inline constexpr std::size_t kMaxTextBytes = 4096;
// The provider transcribes recordings of 2..120 s only (Twilio warning 13617).
inline constexpr int kMaxTranscribedRecordingS = 120;

// What the flow refers to outside itself, checked at compile time. Unset: not checked (tests).
struct FlowReferences {
  std::function<bool(std::string_view)> user_exists;
  std::function<bool(std::string_view)> group_exists;
  std::function<bool(std::string_view)> org_number;  // an E.164 number the org owns
  std::vector<std::string> blocked_prefixes{"+86"};  // outside numbers that may not be called (CN)
  // Why the provider cannot speak `language` with `voice` (either may be empty), or nothing
  // when it can. The provider knows its voices; the flow module only asks.
  std::function<std::optional<std::string>(std::string_view voice, std::string_view language)> say_voice_problem;
};

struct CompileResult {
  CompiledFlow flow;
  std::vector<std::string> warnings;  // e.g. unreachable states: fine in a draft, refused at publish
};

// Parses and validates a definition. Errors name the state and field, e.g.
// "state 'greeting': field 'next': no state 'nowhere'".
Expected<CompileResult> compile_flow_checked(std::string_view definition_json, const FlowReferences& refs = {});
// Publishable flows only: warnings are errors too.
Expected<CompiledFlow> compile_flow(std::string_view definition_json, const FlowReferences& refs = {});

}  // namespace callrouter::flow
