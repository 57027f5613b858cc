#include "runtime/commit_path.hpp"

#include <spdlog/spdlog.h>

#include "store/event_records.hpp"

namespace callrouter::runtime {

void CommitPath::submit(Change change, Done done) {
  events_.number(change.events);
  for (const auto& e : change.events) {
    change.records.push_back(store::put_event(e));
    for (const auto& derive : derive_) derive(e, change.records);
  }
  const auto id = next_id_++;
  in_flight_.push_back(InFlight{id, std::move(change.events), std::move(done)});
  journal_.commit(std::move(change.records), [this, id](bool durable) { completed(id, durable); });
}

void CommitPath::completed(std::uint64_t id, bool durable) {
  // Already failed with an earlier refusal (see submit): nothing left to do.
  if (in_flight_.empty() || id < in_flight_.front().id) return;
  if (durable) {
    if (id != in_flight_.front().id) {
      // The journal completes in commit order; a change overtaking another would be a bug there.
      spdlog::critical("commit path: change {} completed before change {}", id, in_flight_.front().id);
    }
    auto change = std::move(in_flight_.front());
    in_flight_.pop_front();
    events_.committed(change.events);
    change.done(true);
    return;
  }
  auto lost = std::move(in_flight_);
  in_flight_.clear();
  events_.failed();
  spdlog::warn("commit path: the journal refused a write; {} change(s) in flight undone", lost.size());
  for (auto it = lost.rbegin(); it != lost.rend(); ++it) it->done(false);
}

}  // namespace callrouter::runtime
