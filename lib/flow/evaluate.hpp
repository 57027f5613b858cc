// Runs a compiled flow: a pure function of (flow, where the call is, what happened, the call's
// context, now) to (actions for the provider, where the call waits next, what the engine must do).
// Non-blocking states chain into one answer so one webhook covers as much of the flow as possible.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/time.hpp"
#include "flow/compiled_flow.hpp"

namespace callrouter::flow {

// What the call is waiting for at its current state; callbacks must match it.
enum class Waiting : std::uint8_t { none, gather, dial, assign, queue, record };
std::string_view waiting_name(Waiting w);
std::optional<Waiting> parse_waiting(std::string_view name);

struct FlowPosition {
  StateIndex state = kNoState;
  std::uint8_t attempts = 0;  // menu attempts used, or ring rounds done
  Waiting waiting = Waiting::none;
};

struct CallContext {
  std::string_view caller;          // From
  std::string_view called;          // To
  std::string_view caller_country;  // ISO code the provider reported (FromCountry), may be empty
  std::vector<std::pair<std::string_view, std::string_view>> variables;  // for branch variable rules
};

enum class EventKind : std::uint8_t { enter, gather, dial_result, assign_result, queue_result, recording };

struct FlowEvent {
  EventKind kind = EventKind::enter;
  std::string_view digits;   // gather
  std::string_view speech;   // gather
  // dial: DialCallStatus; queue: QueueResult; assign: "no_agents" | "busy" | "queue_full"
  std::string_view outcome;
};

// A ring state was reached: the agent layer picks who rings (or says nobody can).
struct AssignRequest {
  StateIndex state = kNoState;
  bool group = false;
  std::string_view target;  // user or group id (points into the compiled flow)
  RingStrategy strategy = RingStrategy::parallel;
  int ring_timeout_s = 20;
  bool record = false;
  int round = 0;
  std::string_view state_id;           // points into the compiled flow
  const QueueSettings* queue = nullptr;  // the state's queue, if it has one (points into the flow)
};

struct Step {
  CallActions actions;
  std::vector<StateIndex> path;  // states entered, in order
  FlowPosition next;             // where the call waits (kNoState once it ended)
  bool ended = false;            // the actions end the call
  std::optional<AssignRequest> assign;
  // The message left at a voicemail state: the provider's RecordingUrl from the Record's action
  // (the caller has finished; "" when nothing was left).
  std::string voicemail_url;
  bool abandoned = false;  // the caller hung up while queued
};

Step step(const CompiledFlow& flow, FlowPosition at, const FlowEvent& event, const CallContext& context,
          Timestamp now);

// The ring request of a ring_user/ring_group state (nothing for other states): what the agent
// layer needs to pick whom to ring, on entry or when a queued caller is served later.
std::optional<AssignRequest> assign_request_at(const CompiledFlow& flow, StateIndex state, int round);

// The document played to a queued caller (the provider's wait URL): music and announcements,
// or Leave once the caller waited `max_wait_s`; `position` (1-based place in line) is announced
// when the queue has a position_announcement.
CallActions queue_wait_actions(const CompiledFlow& flow, StateIndex state, int queue_time_s,
                               std::optional<std::size_t> position = std::nullopt);

}  // namespace callrouter::flow
