// The one place state changes are committed: records and the call events they make are journaled
// together (group commit), and only once durable are the events published and the caller told.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "events/event.hpp"
#include "events/event_log.hpp"
#include "runtime/change.hpp"
#include "store/journal.hpp"

namespace callrouter::runtime {

class CommitPath {
 public:
  // Runs on the loop thread. durable: the change is on disk (its events' consumers have run);
  // the caller answers and sends what it must. Not durable: the caller undoes what the change
  // did in memory and answers 503.
  using Done = std::function<void(bool durable)>;
  CommitPath(store::Journal& journal, events::EventLog& events) : journal_(journal), events_(events) {}

  // Numbers the change's events and journals them with its records in one batch.
  //
  // When the journal refuses a write it refuses every change queued before the loop learns of it
  // (store::Journal::commit), so at the first refusal every change still in flight is lost: all
  // of their `done(false)` run at once, newest first, so that each undo puts back the state the
  // one before it saw (two changes to one object end with the value from before both).
  void submit(Change change, Done done);
  // A change that makes no call events (configuration, wallet).
  void submit(store::WriteSet records, Done done) { submit(Change{std::move(records), {}}, std::move(done)); }

  // Records derived from each committed event (history indexes, workflow deliveries), written in
  // the event's own batch so neither can be durable without the other. `derive` runs at submit,
  // after numbering, and must only append records: memory belongs to EventLog consumers, which
  // run once the batch is durable (a refused batch would leave memory changed here wrong).
  using Derive = std::function<void(const events::Event&, store::WriteSet&)>;
  void add_derived(Derive derive) { derive_.push_back(std::move(derive)); }

  std::size_t in_flight() const { return in_flight_.size(); }

 private:
  struct InFlight {
    std::uint64_t id;
    std::vector<events::Event> events;
    Done done;
  };
  void completed(std::uint64_t id, bool durable);

  store::Journal& journal_;
  events::EventLog& events_;
  std::vector<Derive> derive_;
  std::deque<InFlight> in_flight_;  // in submit order, which is the journal's completion order
  std::uint64_t next_id_ = 1;
};

}  // namespace callrouter::runtime
