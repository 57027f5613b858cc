// Where the engine finds calls and stored answers: writes still on their way to disk first, then
// live calls in memory, then what is on record. Keeps memory the truth while running and makes a
// failed write leave no trace.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/call_record.hpp"
#include "engine/directory.hpp"
#include "runtime/change.hpp"
#include "store/reader.hpp"
#include "store/journal.hpp"

namespace callrouter::engine {

// A stored reply to a provider request, replayed when the same request comes again.
struct StoredAnswer {
  int status = 200;
  std::string content_type;
  std::string body;
};
std::string encode_answer(const StoredAnswer& a);
std::optional<StoredAnswer> decode_answer(std::string_view stored);

class CallBook {
 public:
  using Ticket = std::uint64_t;
  explicit CallBook(const store::Reader& journal) : journal_(journal) {}

  std::optional<engine::CallRecord> find(std::string_view org_id, std::string_view sid) const;
  std::optional<StoredAnswer> find_answer(std::string_view org_id, std::string_view kind, std::string_view id) const;

  // Adds the writes for a changed call (and its timeline entry) to `change`, with the committed
  // call events the change makes (events::call_events of the record before and after), and shows
  // them to later lookups until settle() says whether they reached the disk.
  // `exists`: whether the caller already knows the call is on record (saves a journal lookup).
  Ticket stage(const engine::CallRecord& record, const engine::CallEvent* event, runtime::Change& change,
               std::optional<bool> exists = std::nullopt);
  Ticket stage_answer(std::string_view org_id, std::string_view kind, std::string_view id,
                      const StoredAnswer& answer, Timestamp now, store::WriteSet& ops, Ticket ticket = 0);
  void settle(Ticket ticket, bool durable);

  // Recovery: calls that had not ended when the daemon stopped.
  void restore_live(engine::CallRecord record);
  std::size_t live_count() const { return live_.size(); }
  // Up to `limit` calls that have not ended and started before `cutoff`, oldest first: the ones
  // whose end we may never have heard of (a terminal callback lost).
  std::vector<engine::CallRecord> live_started_before(Timestamp cutoff, std::size_t limit) const;
  // The org's calls in progress (durable, not ended), newest first, at most `limit`: the live
  // board's snapshot. It scans every org's live calls, so it serves a board connecting, not
  // each event. The pointers hold until the next settle().
  std::vector<const engine::CallRecord*> live_of(std::string_view org_id, std::size_t limit) const;

 private:
  struct PendingRecord {
    engine::CallRecord record;
    Ticket ticket;
  };
  struct PendingAnswer {
    StoredAnswer answer;
    Ticket ticket;
  };
  const store::Reader& journal_;
  Ticket next_ticket_ = 1;
  engine::StringMap<PendingRecord> pending_;         // key: store::call_key
  engine::StringMap<PendingAnswer> pending_answers_;  // key: store::answer_key
  engine::StringMap<engine::CallRecord> live_;        // key: store::call_key
  // What a ticket wrote, so settle() can apply it to live_ even when a later write already
  // owns the pending entry.
  std::unordered_map<Ticket, std::vector<std::pair<std::string, engine::CallRecord>>> ticket_records_;
  std::unordered_map<Ticket, std::vector<std::string>> ticket_answers_;
};

}  // namespace callrouter::engine
