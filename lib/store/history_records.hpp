// The call log's records: one row per call in `history` (org, start time, sid -> the call as its
// last event showed it, followed by the facts only its events tell: queue stretches, answered,
// voicemail, missed) and the filter indexes in `history_index` (org, dimension, value, start time,
// sid -> ""). Both are written by derive_history in the batch of the event that caused them.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/event.hpp"
#include "history/cursor.hpp"
#include "history/history_call.hpp"
#include "store/journal.hpp"
#include "store/reader.hpp"

namespace callrouter::store {

// runtime::CommitPath::Derive: the history records one committed event makes (appends only).
void derive_history(const events::Event& event, WriteSet& records);

// The indexed dimensions of the log. An entry says "this call may match": readers check the row.
enum class HistoryDimension { user, group, number, flow, outcome };

// Key layouts (docs/storage.md).
std::string history_row_key(std::string_view org_id, Timestamp started_at, std::string_view sid);
std::string history_index_key(std::string_view org_id, HistoryDimension dim, std::string_view value,
                              Timestamp started_at, std::string_view sid);

struct HistoryRange {
  std::string org_id;
  std::optional<std::pair<HistoryDimension, std::string>> index;  // none: every row of the org
  std::optional<Timestamp> since;  // inclusive
  std::optional<Timestamp> until;  // exclusive
  std::optional<history::HistoryPosition> after;  // a cursor: rows strictly older than it
};

struct StoredHistoryRow {
  history::HistoryPosition at;
  std::string_view data;  // the call fields (valid during the visit)
  const std::vector<history::TimedFact>& facts;
};

struct HistoryScanEnd {
  std::optional<history::HistoryPosition> last_examined;
  bool reached_end = false;  // false: stopped by the visitor or the budget
};

// Visits the range's rows newest first until `visit` returns false or `budget` rows/index
// entries have been examined (a selective filter over a long history must not stall the loop).
HistoryScanEnd scan_history(const Journal& journal, const HistoryRange& range, std::size_t budget,
                            const std::function<bool(const StoredHistoryRow&)>& visit);

// One call's row as the journal holds it: the call fields of its last durable event and its
// facts with the seq of the event that made each (analytics reads it to know a call's past).
struct HistoryRowRead {
  std::string data;
  std::vector<std::pair<std::uint64_t, history::TimedFact>> facts;  // (seq, fact), in seq order
};
std::optional<HistoryRowRead> read_history_row(const Reader& reader, std::string_view org_id, Timestamp started_at,
                                               std::string_view sid);

// When the entry of a history, history_index or calls_by_time key was started (for retention).
std::optional<Timestamp> history_entry_time(Cf cf, std::string_view key);

}  // namespace callrouter::store
