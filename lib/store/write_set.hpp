// What a change writes: records by column family. No RocksDB here (see journal.cpp).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace callrouter::store {

// Column families; docs/storage.md describes each one's key schema.
enum class Cf : std::size_t {
  config = 0,     // orgs, numbers, flows, users, groups, keys
  calls,          // call records
  calls_by_time,  // index: org, start time, sid -> ""
  call_events,    // per-call event list
  ledger,         // credit ledger entries
  idempotency,    // webhook idempotency keys -> stored answer
  outbox,         // outbound requests that must not be lost
  live_calls,     // index: org, sid -> "" for calls not yet ended (restored at start)
  events,         // committed call events: org, seq -> event JSON (the change feed)
  history,        // call log rows: org, start time, sid -> call fields; then the call's facts
  history_index,  // call log filters: org, dimension, value, start time, sid -> ""
  analytics,      // call figures: org, dimension, 15-minute slot, value -> counters (merged)
  cursors,        // consumer cursors: org, consumer -> the last event seq it has handed on
  count_
};

struct WriteOp {
  Cf cf;
  std::string key;
  std::string value;  // ignored when erase
  bool erase = false;
  bool merge = false;  // combine `value` into the stored one (store::merge_values); Cf::analytics only
};
using WriteSet = std::vector<WriteOp>;

}  // namespace callrouter::store
