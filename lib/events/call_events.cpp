#include "events/call_events.hpp"

#include "common/json_writer.hpp"

namespace callrouter::events {
namespace {

constexpr std::string_view kQueueWaiting = "queue";

// The data of every call event: the DESIGN §4 call fields as they stand after the change.
std::string call_data(const engine::CallRecord& r) {
  JsonWriter w;
  w.begin_object();
  engine::write_call_fields(w, r);
  w.end_object();
  return w.take();
}

// The same with the queue's state added (queue events).
std::string with_queue_state(std::string_view data, std::string_view queue_state) {
  std::string out(data.substr(0, data.size() - 1));  // without the closing brace
  out.append(",\"queue_state\":");
  append_json_string(out, queue_state);
  out.push_back('}');
  return out;
}

}  // namespace

std::vector<Event> call_events(const engine::CallRecord* before, const engine::CallRecord& after, Timestamp now) {
  std::vector<Event> out;
  std::string data;  // encoded once, for the first event, and shared by the others of this change
  auto add = [&](std::string_view type, Timestamp at, std::string_view queue_state = {}) {
    if (data.empty()) data = call_data(after);
    out.push_back(Event{after.org_id, 0, std::string(type), at, after.sid,
                        queue_state.empty() ? data : with_queue_state(data, queue_state)});
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
  // Figures from the call's Media Stream, usually just after the call ended.
  if (after.audio && (before == nullptr || !before->audio)) add("call.audio", now);
  // A recording finished: its link is on the record (often after the call ended).
  const auto linked = [](const engine::CallRecord* r, const std::string engine::CallRecord::*url) {
    return r != nullptr && !(r->*url).empty();
  };
  if ((linked(&after, &engine::CallRecord::recording_url) && !linked(before, &engine::CallRecord::recording_url)) ||
      (linked(&after, &engine::CallRecord::voicemail_url) && !linked(before, &engine::CallRecord::voicemail_url))) {
    add("call.recording", now);
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
