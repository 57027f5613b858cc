// Wrap-up deadlines in a min-heap, drained with the `now` of each AgentPool call: an agent's
// wrap-up lapses by time alone, with no timer thread and no explicit event.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <vector>

#include "acd/ids.hpp"
#include "common/time.hpp"

namespace callrouter::acd {

class WrapUpTimers {
 public:
  void push(Timestamp at, AgentId agent) {
    heap_.push_back({at, agent});
    std::push_heap(heap_.begin(), heap_.end(), later);
  }

  // Calls due(agent, at) for every deadline at or before `now`, earliest first. An entry may be
  // stale (the agent took another call since); the caller compares `at` with the agent's state.
  template <class Due>
  void drain(Timestamp now, Due&& due) {
    while (!heap_.empty() && heap_.front().at <= now) {
      std::pop_heap(heap_.begin(), heap_.end(), later);
      const Entry e = heap_.back();
      heap_.pop_back();
      due(e.agent, e.at);
    }
  }

  // Moves every deadline by `by`: a uniform shift keeps the heap's order, so no re-heapify.
  void shift(std::chrono::microseconds by) {
    for (Entry& e : heap_) e.at += by;
  }

  std::size_t size() const { return heap_.size(); }
  std::size_t memory_bytes() const { return heap_.capacity() * sizeof(Entry); }

 private:
  struct Entry {
    Timestamp at;
    AgentId agent;
  };
  static bool later(const Entry& a, const Entry& b) { return b.at < a.at; }
  std::vector<Entry> heap_;
};

}  // namespace callrouter::acd
