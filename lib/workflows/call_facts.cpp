#include "workflows/call_facts.hpp"

#include <simdjson.h>

namespace callrouter::workflows {
namespace {

std::string text(simdjson::dom::object o, std::string_view key) {
  std::string_view s;
  if (o[key].get(s) != simdjson::SUCCESS) return {};
  return std::string(s);
}

std::optional<Timestamp> time_of(simdjson::dom::object o, std::string_view key) {
  std::string_view s;
  if (o[key].get(s) != simdjson::SUCCESS) return std::nullopt;
  return parse_rfc3339(s);
}

}  // namespace

Expected<CallFacts> read_call_facts(const events::Event& event) {
  // One parser per thread: the derive step runs for every committed event of an org with rules,
  // and a parser reused keeps its buffers.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object o;
  if (parser.parse(event.data.data(), event.data.size()).get(o) != simdjson::SUCCESS) {
    return unexpected(std::string("event data is not a JSON object"));
  }
  CallFacts f;
  f.direction = text(o, "direction");
  f.user_id = text(o, "user_id");
  f.flow_id = text(o, "flow_id");
  f.disposition = text(o, "disposition");
  if (f.direction == "outbound") {
    // A click-to-call dials the agent's softphone first (from = the caller ID, to = the customer
    // in the record), so "ours" is the caller ID presented.
    f.our_number = text(o, "caller_id");
    if (f.our_number.empty()) f.our_number = text(o, "from");
    f.other_number = text(o, "to");
  } else {
    f.our_number = text(o, "to");
    f.other_number = text(o, "from");
  }
  std::int64_t duration = 0;
  if (o["duration_s"].get(duration) == simdjson::SUCCESS) f.duration_s = duration;
  f.at = event.at;
  auto started = time_of(o, "started_at");
  auto taken = time_of(o, "connected_at");
  auto until = taken ? *taken : event.at;
  if (started && until > *started) {
    f.wait_s = std::chrono::duration_cast<std::chrono::seconds>(until - *started).count();
  }
  return f;
}

}  // namespace callrouter::workflows
