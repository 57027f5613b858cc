#include "engine/call_record.hpp"

#include <simdjson.h>

#include "common/json_writer.hpp"

namespace callrouter::engine {

std::string to_json(const CallRecord& r) {
  JsonWriter w;
  w.begin_object()
      .field("sid", r.sid)
      .field("org_id", r.org_id)
      .field("direction", r.direction)
      .field("from", r.from)
      .field("to", r.to)
      .field("status", r.status);
  w.key("disposition");
  if (r.disposition.empty()) {
    w.null();
  } else {
    w.value(r.disposition);
  }
  w.key("flow_id");
  if (r.flow_id.empty()) {
    w.null();
  } else {
    w.value(r.flow_id);
  }
  w.field("flow_version", static_cast<std::int64_t>(r.flow_version));
  w.key("flow_path").begin_array();
  for (const auto& s : r.flow_path) w.value(s);
  w.end_array();
  w.field("started_at", format_rfc3339(r.started_at));
  w.end_object();
  return w.take();
}

Expected<CallRecord> call_record_from_json(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  if (parser.parse(json.data(), json.size()).get(o)) return unexpected(std::string("call record is not a JSON object"));
  CallRecord r;
  auto str = [&](const char* key, std::string& out) {
    std::string_view v;
    if (o[key].get(v) == simdjson::SUCCESS) out = std::string(v);
  };
  str("sid", r.sid);
  str("org_id", r.org_id);
  str("direction", r.direction);
  str("from", r.from);
  str("to", r.to);
  str("status", r.status);
  str("disposition", r.disposition);
  str("flow_id", r.flow_id);
  std::uint64_t version = 0;
  if (o["flow_version"].get(version) == simdjson::SUCCESS) r.flow_version = static_cast<std::uint32_t>(version);
  simdjson::dom::array path;
  if (o["flow_path"].get(path) == simdjson::SUCCESS) {
    for (auto e : path) {
      std::string_view s;
      if (e.get(s) == simdjson::SUCCESS) r.flow_path.emplace_back(s);
    }
  }
  std::string started;
  str("started_at", started);
  auto t = parse_rfc3339(started);
  if (!t) return unexpected(std::string("call record has no valid started_at"));
  r.started_at = *t;
  if (r.sid.empty() || r.org_id.empty()) return unexpected(std::string("call record lacks sid or org_id"));
  return r;
}

}  // namespace callrouter::engine
