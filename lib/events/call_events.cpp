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
  // A call that has ended waits nowhere, whatever its last flow position says.
  const bool was_queued = before != nullptr && before->flow_waiting == kQueueWaiting && !before->terminal();
  const bool is_queued = after.flow_waiting == kQueueWaiting && !after.terminal();
  const bool ends = after.terminal() && (before == nullptr || !before->terminal());

  if (before == nullptr) add("call.ringing", after.started_at);
  if (is_queued && !was_queued) add("queue.joined", now, after.flow_state);
  if (after.connected_at && (before == nullptr || !before->connected_at)) add("call.answered", *after.connected_at);
  if (was_queued && !is_queued) {
    // Out of the queue to nobody, because the call ended: the caller gave up (in whichever order
    // the provider reports the hang-up and the queue result).
    const bool abandoned = after.disposition == "abandoned" || (after.terminal() && !after.connected_at);
    add(abandoned ? "queue.abandoned" : "queue.left", now, before->flow_state);
  }
  if (after.disposition == "voicemail" && (before == nullptr || before->disposition != "voicemail")) {
    add("call.voicemail", now);
  }
  if (ends) {
    const auto at = after.ended_at.value_or(now);
    // Missed: an inbound call nobody took. A voicemail was taken by the mailbox; a rejected call
    // was refused on purpose; a failed one never rang.
    const bool missed = after.direction == "inbound" && !after.connected_at && after.disposition != "voicemail" &&
                        after.disposition != "rejected" && after.disposition != "failed";
    if (missed) add("call.missed", at);
    add("call.ended", at);
  }
  return out;
}

}  // namespace callrouter::events
