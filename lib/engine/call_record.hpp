// A call as callrouter records it: who called whom, how the flow handled it and how it ended.
// This is what the journal stores per call and what GET /v1/calls returns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/expected.hpp"
#include "common/time.hpp"
#include "media/audio_figures.hpp"

namespace callrouter {
class JsonWriter;
}

namespace callrouter::engine {

struct CallRecord {
  std::string sid;
  std::string org_id;
  std::string direction;    // inbound | outbound
  std::string from;
  std::string to;
  std::string status;       // provider CallStatus, latest by SequenceNumber; terminal ones stick
  std::string disposition;  // answered | missed | abandoned | voicemail | rejected | failed | "" while live
  std::string user_id;      // the telephony user who took or made the call, if any
  std::string group_id;     // the ring group whose offer that user answered, if any (call history)
  std::string flow_id;
  std::uint32_t flow_version = 0;
  std::vector<std::string> flow_path;  // state ids visited, in order
  // Where the call is in its flow (pinned to flow_version) and what it waits for there.
  std::string flow_state;
  std::int32_t flow_attempts = 0;
  std::string flow_waiting;  // flow::waiting_name, "" when not in a flow
  std::string from_country;  // as the provider reported it, for branch rules
  Timestamp started_at{};
  std::optional<Timestamp> answered_at;  // the provider answered (a flow may play before anyone talks)
  // When the caller reached a person: an agent answered, a forward's number answered, or the far
  // end of a click-to-call answered. Unset: nobody took the call.
  std::optional<Timestamp> connected_at;
  std::optional<Timestamp> ended_at;
  std::optional<std::int64_t> duration_s;
  std::int64_t last_status_seq = -1;   // highest SequenceNumber applied to `status`
  std::vector<std::uint32_t> status_seqs;  // every status SequenceNumber seen: duplicates are dropped
  std::int64_t charge_micro = 0;  // what the org was charged for this call, all legs (docs/billing.md)
  // Outbound (click-to-call): the number presented and the longest the wallet allowed.
  std::string caller_id;
  std::int64_t time_limit_s = 0;
  // Talk, silence and talk-over from the call's Media Stream (flow option analyze_audio), once
  // the stream ended.
  std::optional<media::AudioFigures> audio;
  // The provider's links to the finished recordings (RecordingUrl of a "completed" report): the
  // call as an agent took it (<Dial record>), and the message left at a voicemail state.
  std::string recording_url;
  std::string voicemail_url;

  bool terminal() const;
};

// One entry of a call's timeline (call_events column family), in arrival order per kind.
struct CallEvent {
  std::string kind;      // "voice" (the first webhook) or "status"
  std::int64_t seq = 0;  // SequenceNumber for status events, 0 for voice
  std::string status;
  Timestamp at{};        // when the provider says it happened (Timestamp), else when received
};

bool is_terminal_status(std::string_view status);

std::string to_json(const CallRecord& record);
// The DESIGN §4 call fields (sid … charge_micro, caller_id and time_limit_s when set), written
// into an object the caller has opened: one writer for GET /v1/calls/{sid} and the call events.
void write_call_fields(JsonWriter& w, const CallRecord& record);
Expected<CallRecord> call_record_from_json(std::string_view json);
std::string to_json(const CallEvent& event);
Expected<CallEvent> call_event_from_json(std::string_view json);

}  // namespace callrouter::engine
