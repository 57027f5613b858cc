#include "history/history_call.hpp"

#include <simdjson.h>

#include "common/json_writer.hpp"
#include "engine/call_record.hpp"

namespace callrouter::history {
namespace {

std::string text(simdjson::dom::object o, const char* key) {
  std::string_view v;
  return o[key].get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
}

std::optional<Timestamp> time(simdjson::dom::object o, const char* key) {
  std::string_view v;
  if (o[key].get(v) != simdjson::SUCCESS) return std::nullopt;
  return parse_rfc3339(v);
}

void optional_time(JsonWriter& w, std::string_view key, const std::optional<Timestamp>& t) {
  w.key(key);
  if (t) {
    w.value(format_rfc3339(*t));
  } else {
    w.null();
  }
}

void string_or_null(JsonWriter& w, std::string_view key, std::string_view v) {
  w.key(key);
  if (v.empty()) {
    w.null();
  } else {
    w.value(v);
  }
}

std::int64_t whole_seconds(Timestamp from, Timestamp to) {
  return std::chrono::duration_cast<std::chrono::seconds>(to - from).count();
}

}  // namespace

std::optional<CallFact> fact_of_event(std::string_view type) {
  if (type == "queue.joined") return CallFact::queue_joined;
  if (type == "queue.left") return CallFact::queue_left;
  if (type == "queue.abandoned") return CallFact::queue_abandoned;
  if (type == "call.answered") return CallFact::answered;
  if (type == "call.voicemail") return CallFact::voicemail;
  if (type == "call.missed") return CallFact::missed;
  return std::nullopt;
}

std::string_view HistoryCall::our_number() const {
  if (inbound()) return to;
  return caller_id.empty() ? std::string_view(from) : std::string_view(caller_id);
}

std::string_view HistoryCall::their_number() const { return inbound() ? from : to; }

Expected<HistoryCall> read_history_call(std::string_view data, std::span<const TimedFact> facts) {
  // One parser per thread: its buffers are reused across rows (an export reads millions).
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object o;
  if (parser.parse(data.data(), data.size()).get(o) != simdjson::SUCCESS) {
    return unexpected(std::string("history row is not a JSON object"));
  }
  HistoryCall c;
  c.sid = text(o, "sid");
  c.direction = text(o, "direction");
  c.from = text(o, "from");
  c.to = text(o, "to");
  c.status = text(o, "status");
  c.disposition = text(o, "disposition");
  c.user_id = text(o, "user_id");
  c.group_id = text(o, "group_id");
  c.flow_id = text(o, "flow_id");
  c.caller_id = text(o, "caller_id");
  c.recording_url = text(o, "recording_url");
  c.voicemail_url = text(o, "voicemail_url");
  auto started = time(o, "started_at");
  if (c.sid.empty() || !started) return unexpected(std::string("history row lacks sid or started_at"));
  c.started_at = *started;
  c.answered_at = time(o, "answered_at");
  c.connected_at = time(o, "connected_at");
  c.ended_at = time(o, "ended_at");
  std::int64_t n;
  if (o["duration_s"].get(n) == simdjson::SUCCESS) c.duration_s = n;
  if (o["charge_micro"].get(n) == simdjson::SUCCESS) c.charge_micro = n;
  simdjson::dom::object audio;
  if (o["audio"].get(audio) == simdjson::SUCCESS) c.audio = simdjson::minify(audio);

  OutcomeFacts outcome;
  outcome.inbound = c.inbound();
  // A rejected call is over for us the moment it is refused, whether or not a final status follows.
  outcome.ended = c.ended_at.has_value() || engine::is_terminal_status(c.status) || c.disposition == "rejected";
  outcome.connected = c.connected_at.has_value();
  outcome.disposition = c.disposition;
  bool queued = false;
  Timestamp queued_since{};
  auto leave_queue = [&](Timestamp at) {
    if (queued && at > queued_since) c.queue_wait_s += whole_seconds(queued_since, at);
    queued = false;
  };
  for (const auto& f : facts) {
    switch (f.kind) {
      case CallFact::queue_joined:
        c.queued = true;
        queued = true;
        queued_since = f.at;
        break;
      case CallFact::queue_left: leave_queue(f.at); break;
      case CallFact::queue_abandoned:
        leave_queue(f.at);
        outcome.abandoned_in_queue = true;
        break;
      case CallFact::answered: outcome.connected = true; break;
      case CallFact::voicemail: outcome.voicemail = true; break;
      case CallFact::missed: outcome.missed = true; break;
    }
  }
  if (queued && c.ended_at) leave_queue(*c.ended_at);  // a call that ended while queued
  c.outcome = classify(outcome);
  if (c.connected_at && c.ended_at && *c.ended_at > *c.connected_at) c.talk_s = whole_seconds(*c.connected_at, *c.ended_at);
  return c;
}

void write_history_call(JsonWriter& w, const HistoryCall& c) {
  w.field("sid", c.sid).field("direction", c.direction).field("from", c.from).field("to", c.to).field("status", c.status);
  string_or_null(w, "disposition", c.disposition);
  string_or_null(w, "user_id", c.user_id);
  string_or_null(w, "group_id", c.group_id);
  string_or_null(w, "flow_id", c.flow_id);
  string_or_null(w, "our_number", c.our_number());
  w.field("started_at", format_rfc3339(c.started_at));
  optional_time(w, "answered_at", c.answered_at);
  optional_time(w, "connected_at", c.connected_at);
  optional_time(w, "ended_at", c.ended_at);
  w.key("duration_s");
  if (c.duration_s) {
    w.value(*c.duration_s);
  } else {
    w.null();
  }
  w.field("charge_micro", c.charge_micro);
  if (!c.caller_id.empty()) w.field("caller_id", c.caller_id);
  if (!c.audio.empty()) w.key("audio").raw(c.audio);
  w.key("outcome");
  if (c.outcome) {
    w.value(outcome_name(*c.outcome));
  } else {
    w.null();
  }
  w.field("missed", c.outcome.has_value() && counts_as_missed(*c.outcome));
  w.field("queue_wait_s", c.queue_wait_s);
  w.key("talk_s");
  if (c.talk_s) {
    w.value(*c.talk_s);
  } else {
    w.null();
  }
  w.field("queued", c.queued);  // it waited in a queue (analytics' service level counts these)
  string_or_null(w, "recording_url", c.recording_url);
  string_or_null(w, "voicemail_url", c.voicemail_url);
}

}  // namespace callrouter::history
