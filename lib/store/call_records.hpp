// Reads call records and call timelines from the journal (`calls`, `call_events`, `live_calls`):
// the handlers ask for calls, not for column families.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "engine/call_record.hpp"
#include "store/journal.hpp"

namespace callrouter::store {

// The stored record; none when it is missing or does not decode.
std::optional<engine::CallRecord> read_call(const Reader& journal, std::string_view org_id, std::string_view sid);

// A call's timeline, in the order things happened (provider time, then sequence).
std::vector<engine::CallEvent> read_call_timeline(const Reader& journal, std::string_view org_id, std::string_view sid);

// Every call not yet ended (the live_calls index), for recovery at start. An index entry whose
// record cannot be read is logged and skipped: one batch writes both, so it cannot happen short
// of disk corruption, and one bad call must not keep the daemon from starting.
std::vector<engine::CallRecord> read_live_calls(const Reader& journal);

}  // namespace callrouter::store
