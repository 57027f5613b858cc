#include "store/retention.hpp"

#include <simdjson.h>

#include "store/answer_records.hpp"
#include "store/history_records.hpp"

namespace callrouter::store {
namespace {

std::optional<Timestamp> json_time(std::string_view value, const char* field, const char* must_have) {
  auto payload = decode_value(value);
  if (!payload) return std::nullopt;
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object o;
  if (parser.parse(payload->data(), payload->size()).get(o) != simdjson::SUCCESS) return std::nullopt;
  std::string_view v;
  // A call record is dropped only once the call has ended (a live call is never old news).
  if (must_have != nullptr && o[must_have].get(v) != simdjson::SUCCESS) return std::nullopt;
  if (o[field].get(v) != simdjson::SUCCESS) return std::nullopt;
  return parse_rfc3339(v);
}

}  // namespace

bool retention_applies(Cf cf) {
  return cf == Cf::history || cf == Cf::history_index || cf == Cf::calls_by_time || cf == Cf::calls ||
         cf == Cf::call_events || cf == Cf::idempotency;
}

std::optional<Timestamp> retention_time(Cf cf, std::string_view key, std::string_view value) {
  switch (cf) {
    case Cf::history:
    case Cf::history_index:
    case Cf::calls_by_time: return history_entry_time(cf, key);
    case Cf::calls: return json_time(value, "started_at", "ended_at");
    case Cf::call_events: return json_time(value, "at", nullptr);
    case Cf::idempotency: {
      auto answer = decode_answer_value(value);
      return answer ? answer->stored_at : std::nullopt;
    }
    default: return std::nullopt;
  }
}

}  // namespace callrouter::store
