#include "events/event_log.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace callrouter::events {

void EventLog::restore(const std::string& org_id, std::uint64_t last_seq) {
  auto& o = orgs_[org_id];
  o.committed = std::max(o.committed, last_seq);
  o.next = std::max(o.next, last_seq + 1);
}

void EventLog::number(std::vector<Event>& events) {
  for (auto& e : events) e.seq = orgs_[e.org_id].next++;
}

void EventLog::committed(const std::vector<Event>& events) {
  for (const auto& e : events) {
    auto& o = orgs_[e.org_id];
    // Completions run in commit order, so each durable seq follows the last one; anything else
    // would be a gap or a repeat in the feed, which the journal's failure rule is there to prevent.
    if (e.seq != o.committed + 1) {
      spdlog::error("events: org {} committed seq {} after {}: the feed has a gap or a repeat", e.org_id, e.seq, o.committed);
    }
    o.committed = std::max(o.committed, e.seq);
    for (const auto& consume : consumers_) consume(e);
  }
}

void EventLog::failed() {
  for (auto& [org, o] : orgs_) o.next = o.committed + 1;
}

std::uint64_t EventLog::last_committed(const std::string& org_id) const {
  auto it = orgs_.find(org_id);
  return it == orgs_.end() ? 0 : it->second.committed;
}

}  // namespace callrouter::events
