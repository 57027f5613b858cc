// One row of the call log: the call as its last committed event showed it, plus what only the
// sequence of its events tells (its outcome, time waiting in queues, talk time).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/expected.hpp"
#include "common/time.hpp"
#include "history/outcome.hpp"

namespace callrouter {
class JsonWriter;
}

namespace callrouter::history {

// The events the log needs besides the call's last state, each with its time; stored beside the
// row in event order (store/history_records).
enum class CallFact : char {
  queue_joined = 'J',
  queue_left = 'L',
  queue_abandoned = 'A',
  answered = 'C',
  voicemail = 'V',
  missed = 'M',
};
struct TimedFact {
  CallFact kind;
  Timestamp at;
};
// The fact an event type makes, if any ("queue.joined" -> queue_joined).
std::optional<CallFact> fact_of_event(std::string_view event_type);

struct HistoryCall {
  std::string sid, direction, from, to, status, disposition, user_id, group_id, flow_id, caller_id;
  Timestamp started_at{};
  std::optional<Timestamp> answered_at, connected_at, ended_at;
  std::optional<std::int64_t> duration_s;
  std::int64_t charge_micro = 0;
  std::string audio;  // the call's `audio` figures as JSON (Media Streams), empty when none
  std::string recording_url, voicemail_url;  // the provider's links, empty until a recording finished

  std::optional<Outcome> outcome;  // none while live
  std::int64_t queue_wait_s = 0;   // every stretch in a queue, summed
  bool queued = false;             // it joined a queue at least once
  std::optional<std::int64_t> talk_s;  // from the moment a person answered to the end

  bool inbound() const { return direction == "inbound"; }
  // The org's own number on the call: the one called (inbound) or presented (outbound).
  std::string_view our_number() const;
  // The other party's number.
  std::string_view their_number() const;
};

// `data` is a call event's data (the call fields, engine::write_call_fields); `facts` in event order.
Expected<HistoryCall> read_history_call(std::string_view data, std::span<const TimedFact> facts);

// The call fields of GET /v1/calls/{sid} (without flow_path and events) and the log's own:
// our_number, group_id, outcome, missed, queue_wait_s, talk_s, recording_url, voicemail_url.
void write_history_call(JsonWriter& w, const HistoryCall& call);

}  // namespace callrouter::history
