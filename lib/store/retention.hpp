// Which stored entries retention (`history.retention_days`) may drop, and by what time: the start
// of the call they belong to; and for idempotency answers, when they were stored (they have their
// own cutoff, kAnswerKeep). Read by the journal's compaction filter, so old entries leave the disk
// in RocksDB's own compactions instead of in a scan of everything.
#pragma once

#include <optional>
#include <string_view>

#include "common/time.hpp"
#include "store/journal.hpp"

namespace callrouter::store {

// The time an entry of `cf` is judged by; none: never dropped (configuration, the ledger, the
// change feed, live calls, answers stored before they carried a time).
std::optional<Timestamp> retention_time(Cf cf, std::string_view key, std::string_view value);

// Whether the column family has entries retention may drop (it gets the compaction filter).
bool retention_applies(Cf cf);

}  // namespace callrouter::store
