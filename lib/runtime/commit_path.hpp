// The one place state changes are committed: records and the call events they make are journaled
// together (group commit), and only once durable are the events published and the caller told.
#pragma once

#include <functional>
#include <vector>

#include "events/event.hpp"
#include "events/event_log.hpp"
#include "store/journal.hpp"

namespace callrouter::runtime {

// What one change writes: its records, and the call events it makes (numbered at submit).
struct Change {
  store::WriteSet records;
  std::vector<events::Event> events;
};

class CommitPath {
 public:
  using Done = std::function<void(bool durable)>;
  CommitPath(store::Journal& journal, events::EventLog& events) : journal_(journal), events_(events) {}

  // Numbers the change's events, journals them with its records in one batch, and runs `done` on
  // the loop thread once durable (consumers of the events first) or once refused (then `done`
  // undoes what the change did in memory and answers 503).
  void submit(Change change, Done done);
  // A change that makes no call events (configuration, wallet).
  void submit(store::WriteSet records, Done done) { submit(Change{std::move(records), {}}, std::move(done)); }

 private:
  store::Journal& journal_;
  events::EventLog& events_;
};

}  // namespace callrouter::runtime
