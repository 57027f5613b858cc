#include "store/call_records.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "store/config_records.hpp"

namespace callrouter::store {
namespace {

Expected<engine::CallRecord> decode_call(const std::optional<std::string>& stored) {
  auto payload = stored ? decode_value(*stored) : std::nullopt;
  if (!payload) return unexpected(std::string("missing or of an unknown version"));
  return engine::call_record_from_json(*payload);
}

}  // namespace

std::optional<engine::CallRecord> read_call(const Reader& journal, std::string_view org_id, std::string_view sid) {
  auto record = decode_call(journal.get(Cf::calls, call_key(org_id, sid)));
  if (!record) return std::nullopt;
  return std::move(*record);
}

std::vector<engine::CallEvent> read_call_timeline(const Reader& journal, std::string_view org_id, std::string_view sid) {
  std::vector<engine::CallEvent> events;
  journal.scan_prefix(Cf::call_events, call_events_prefix(org_id, sid), [&](std::string_view, std::string_view stored) {
    if (auto payload = decode_value(stored)) {
      if (auto e = engine::call_event_from_json(*payload)) events.push_back(std::move(*e));
    }
    return true;
  });
  std::stable_sort(events.begin(), events.end(),
                   [](const auto& a, const auto& b) { return a.at != b.at ? a.at < b.at : a.seq < b.seq; });
  return events;
}

std::vector<engine::CallRecord> read_live_calls(const Reader& journal) {
  std::vector<engine::CallRecord> calls;
  journal.scan_prefix(Cf::live_calls, "", [&](std::string_view key, std::string_view) {
    auto record = decode_call(journal.get(Cf::calls, key));
    if (!record) {
      spdlog::error("live call index entry without a readable call record: {}", record.error());
      return true;
    }
    calls.push_back(std::move(*record));
    return true;
  });
  return calls;
}

}  // namespace callrouter::store
