// How a call ended, for the call log: one outcome per ended call, classified from the committed
// call events it made (who answered, a voicemail, a hang-up in a queue, a miss) and its last record.
#pragma once

#include <optional>
#include <string_view>

namespace callrouter::history {

enum class Outcome { answered, missed, abandoned, voicemail, rejected, failed, unanswered };

// "answered", "missed", … as the API and CSV show them.
std::string_view outcome_name(Outcome outcome);
std::optional<Outcome> parse_outcome(std::string_view name);

// What the events of one call said happened, and the fields of its last record that matter.
struct OutcomeFacts {
  bool inbound = true;
  bool ended = false;
  bool connected = false;           // call.answered (or connected_at on the record)
  bool voicemail = false;           // call.voicemail
  bool abandoned_in_queue = false;  // queue.abandoned
  bool missed = false;              // call.missed
  std::string_view disposition;     // the record's; used only for rejected and failed
};

// Nothing while the call is live. The order is the order of the checks: a call a person took is
// answered whatever came after; a voicemail was taken by the mailbox; a caller who hung up in a
// queue abandoned (and was missed); a rejected or failed call was not offered to anyone; any other
// inbound call nobody took was missed; an outbound call nobody picked up is unanswered.
std::optional<Outcome> classify(const OutcomeFacts& facts);

// 不在着信 (missed) in the seed's sense: an inbound call nobody answered. `abandoned` calls are
// missed too, so the filter outcome=missed includes them.
bool counts_as_missed(Outcome outcome);

}  // namespace callrouter::history
