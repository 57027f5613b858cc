#include "runtime/commit_path.hpp"

#include "store/event_records.hpp"

namespace callrouter::runtime {

void CommitPath::submit(Change change, Done done) {
  const auto epoch = events_.number(change.events);
  for (const auto& e : change.events) change.records.push_back(store::put_event(e));
  journal_.commit(std::move(change.records),
                  [this, epoch, events = std::move(change.events), done = std::move(done)](bool durable) {
                    if (durable) {
                      events_.committed(events);
                    } else {
                      events_.failed(epoch);
                    }
                    done(durable);
                  });
}

}  // namespace callrouter::runtime
