#include "engine/call_record.hpp"

#include <simdjson.h>

#include "common/json_writer.hpp"

namespace callrouter::engine {
namespace {

void optional_string(JsonWriter& w, std::string_view key, const std::string& v) {
  w.key(key);
  if (v.empty()) {
    w.null();
  } else {
    w.value(v);
  }
}

void optional_time(JsonWriter& w, std::string_view key, const std::optional<Timestamp>& t) {
  w.key(key);
  if (t) {
    w.value(format_rfc3339(*t));
  } else {
    w.null();
  }
}

struct Reader {
  simdjson::dom::object o;
  std::string str(const char* key) const {
    std::string_view v;
    return o[key].get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
  }
  std::optional<std::int64_t> integer(const char* key) const {
    std::int64_t v;
    if (o[key].get(v) == simdjson::SUCCESS) return v;
    return std::nullopt;
  }
  std::optional<Timestamp> time(const char* key) const {
    std::string_view v;
    if (o[key].get(v) != simdjson::SUCCESS) return std::nullopt;
    return parse_rfc3339(v);
  }
};

}  // namespace

bool is_terminal_status(std::string_view s) {
  return s == "completed" || s == "busy" || s == "no-answer" || s == "failed" || s == "canceled";
}

bool CallRecord::terminal() const { return is_terminal_status(status); }

std::string to_json(const CallRecord& r) {
  // The stored record: the API's call fields, then what routing and recovery need.
  JsonWriter w;
  w.begin_object();
  write_call_fields(w, r);
  w.field("org_id", r.org_id).field("flow_version", static_cast<std::int64_t>(r.flow_version));
  w.key("flow_path").begin_array();
  for (const auto& s : r.flow_path) w.value(s);
  w.end_array();
  w.field("flow_state", r.flow_state)
      .field("flow_attempts", static_cast<std::int64_t>(r.flow_attempts))
      .field("flow_waiting", r.flow_waiting)
      .field("from_country", r.from_country);
  if (r.audio) {
    // Exact milliseconds beside the API's seconds, so a record reads back without rounding.
    const auto& a = *r.audio;
    w.key("audio_ms").begin_array();
    for (auto ms : {a.caller_talk_ms, a.agent_talk_ms, a.silence_ms, a.talk_over_ms, a.longest_silence_ms, a.analysed_ms}) {
      w.value(ms);
    }
    w.end_array();
  }
  w.field("last_status_seq", r.last_status_seq);
  w.key("status_seqs").begin_array();
  for (auto s : r.status_seqs) w.value(static_cast<std::int64_t>(s));
  w.end_array();
  w.end_object();
  return w.take();
}

void write_call_fields(JsonWriter& w, const CallRecord& r) {
  w.field("sid", r.sid).field("direction", r.direction).field("from", r.from).field("to", r.to).field("status", r.status);
  optional_string(w, "disposition", r.disposition);
  optional_string(w, "user_id", r.user_id);
  if (!r.group_id.empty()) w.field("group_id", r.group_id);
  optional_string(w, "flow_id", r.flow_id);
  w.field("started_at", format_rfc3339(r.started_at));
  optional_time(w, "answered_at", r.answered_at);
  optional_time(w, "connected_at", r.connected_at);
  optional_time(w, "ended_at", r.ended_at);
  w.key("duration_s");
  if (r.duration_s) {
    w.value(*r.duration_s);
  } else {
    w.null();
  }
  w.field("charge_micro", r.charge_micro);
  if (!r.caller_id.empty()) w.field("caller_id", r.caller_id).field("time_limit_s", r.time_limit_s);
  if (!r.recording_url.empty()) w.field("recording_url", r.recording_url);
  if (!r.voicemail_url.empty()) w.field("voicemail_url", r.voicemail_url);
  if (r.audio) {
    w.key("audio");
    media::write_audio_figures(w, *r.audio);
  }
}

Expected<CallRecord> call_record_from_json(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  if (parser.parse(json.data(), json.size()).get(o)) return unexpected(std::string("call record is not a JSON object"));
  Reader rd{o};
  CallRecord r;
  r.sid = rd.str("sid");
  r.org_id = rd.str("org_id");
  r.direction = rd.str("direction");
  r.from = rd.str("from");
  r.to = rd.str("to");
  r.status = rd.str("status");
  r.disposition = rd.str("disposition");
  r.user_id = rd.str("user_id");
  r.group_id = rd.str("group_id");
  r.flow_id = rd.str("flow_id");
  r.flow_version = static_cast<std::uint32_t>(rd.integer("flow_version").value_or(0));
  simdjson::dom::array path;
  if (o["flow_path"].get(path) == simdjson::SUCCESS) {
    for (auto e : path) {
      std::string_view s;
      if (e.get(s) == simdjson::SUCCESS) r.flow_path.emplace_back(s);
    }
  }
  r.flow_state = rd.str("flow_state");
  r.flow_attempts = static_cast<std::int32_t>(rd.integer("flow_attempts").value_or(0));
  r.flow_waiting = rd.str("flow_waiting");
  r.from_country = rd.str("from_country");
  auto started = rd.time("started_at");
  if (!started) return unexpected(std::string("call record has no valid started_at"));
  r.started_at = *started;
  r.answered_at = rd.time("answered_at");
  r.connected_at = rd.time("connected_at");
  r.ended_at = rd.time("ended_at");
  r.duration_s = rd.integer("duration_s");
  r.last_status_seq = rd.integer("last_status_seq").value_or(-1);
  r.charge_micro = rd.integer("charge_micro").value_or(0);
  r.caller_id = rd.str("caller_id");
  r.time_limit_s = rd.integer("time_limit_s").value_or(0);
  r.recording_url = rd.str("recording_url");
  r.voicemail_url = rd.str("voicemail_url");
  simdjson::dom::array audio;
  if (o["audio_ms"].get(audio) == simdjson::SUCCESS && audio.size() == 6) {
    std::int64_t ms[6] = {};
    std::size_t i = 0;
    bool ok = true;
    for (auto e : audio) ok = ok && e.get(ms[i++]) == simdjson::SUCCESS;
    if (ok) r.audio = media::AudioFigures{ms[0], ms[1], ms[2], ms[3], ms[4], ms[5]};
  }
  simdjson::dom::array seqs;
  if (o["status_seqs"].get(seqs) == simdjson::SUCCESS) {
    for (auto e : seqs) {
      std::uint64_t s;
      if (e.get(s) == simdjson::SUCCESS) r.status_seqs.push_back(static_cast<std::uint32_t>(s));
    }
  }
  if (r.sid.empty() || r.org_id.empty()) return unexpected(std::string("call record lacks sid or org_id"));
  return r;
}

std::string to_json(const CallEvent& e) {
  JsonWriter w;
  w.begin_object()
      .field("kind", e.kind)
      .field("seq", e.seq)
      .field("status", e.status)
      .field("at", format_rfc3339(e.at))
      .end_object();
  return w.take();
}

Expected<CallEvent> call_event_from_json(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  if (parser.parse(json.data(), json.size()).get(o)) return unexpected(std::string("call event is not a JSON object"));
  Reader rd{o};
  CallEvent e;
  e.kind = rd.str("kind");
  e.seq = rd.integer("seq").value_or(0);
  e.status = rd.str("status");
  auto at = rd.time("at");
  if (!at) return unexpected(std::string("call event has no valid time"));
  e.at = *at;
  return e;
}

}  // namespace callrouter::engine
