#include "events/call_events.hpp"

#include "common/json_writer.hpp"

namespace callrouter::events {
namespace {

constexpr std::string_view kQueueWaiting = "queue";

// The data of every call event: the DESIGN §4 call fields as they stand after the change.
std::string call_data(const engine::CallRecord& r, std::string_view queue_state) {
  JsonWriter w;
  w.begin_object();
  engine::write_call_fields(w, r);
  if (!queue_state.empty()) w.field("queue_state", queue_state);
  w.end_object();
  return w.take();
}

}  // namespace

std::vector<Event> call_events(const engine::CallRecord* before, const engine::CallRecord& after, Timestamp now) {
  std::vector<Event> out;
  auto add = [&](std::string_view type, Timestamp at, std::string_view queue_state = {}) {
    out.push_back(Event{after.org_id, 0, std::string(type), at, after.sid, call_data(after, queue_state)});
  };
  const bool was_queued = before != nullptr && before->flow_waiting == kQueueWaiting;
  const bool is_queued = after.flow_waiting == kQueueWaiting && !after.terminal();

  if (before == nullptr) add("call.ringing", after.started_at);
  if (is_queued && !was_queued) add("queue.joined", now, after.flow_state);
  // Inbound: an agent took the call. Outbound: the far end answered.
  const bool answered = after.direction == "outbound"
                            ? after.answered_at.has_value() && (before == nullptr || !before->answered_at)
                            : !after.user_id.empty() && (before == nullptr || before->user_id.empty());
  if (answered) add("call.answered", after.answered_at.value_or(now));
  const bool abandoned = after.disposition == "abandoned" && (before == nullptr || before->disposition != "abandoned");
  if (was_queued && !is_queued) add(abandoned ? "queue.abandoned" : "queue.left", now, before->flow_state);
  if (after.disposition == "voicemail" && (before == nullptr || before->disposition != "voicemail")) {
    add("call.voicemail", now);
  }
  if (after.terminal() && (before == nullptr || !before->terminal())) {
    const auto at = after.ended_at.value_or(now);
    if (after.direction == "inbound" && after.disposition == "missed") add("call.missed", at);
    add("call.ended", at);
  }
  return out;
}

}  // namespace callrouter::events
