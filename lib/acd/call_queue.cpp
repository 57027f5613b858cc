#include "acd/call_queue.hpp"

namespace callrouter::acd {

EnqueueResult CallQueues::enqueue(std::string_view call_id, std::string_view queue, int priority, int max_callers,
                                  Timestamp now) {
  std::string id(call_id);
  if (by_call_.contains(id)) return EnqueueResult::already_queued;
  if (max_callers > 0 && size(queue) >= static_cast<std::size_t>(max_callers)) return EnqueueResult::full;
  auto it = order_.insert(QueuedCaller{id, std::string(queue), priority, next_arrival_++, now}).first;
  by_call_.emplace(std::move(id), it);
  ++queue_sizes_[it->queue];
  return EnqueueResult::queued;
}

CallQueues::Order::iterator CallQueues::erase(Order::iterator it) {
  if (auto q = queue_sizes_.find(it->queue); q != queue_sizes_.end() && --q->second == 0) queue_sizes_.erase(q);
  by_call_.erase(it->call_id);
  return order_.erase(it);
}

bool CallQueues::restore(const QueuedCaller& caller) {
  if (by_call_.contains(caller.call_id)) return false;
  auto it = order_.insert(caller).first;
  by_call_.emplace(caller.call_id, it);
  ++queue_sizes_[it->queue];
  return true;
}

bool CallQueues::leave(std::string_view call_id) {
  auto it = by_call_.find(std::string(call_id));
  if (it == by_call_.end()) return false;
  erase(it->second);
  return true;
}

const QueuedCaller* CallQueues::find(std::string_view call_id) const {
  auto it = by_call_.find(std::string(call_id));
  return it == by_call_.end() ? nullptr : &*it->second;
}

std::optional<std::size_t> CallQueues::position(std::string_view call_id) const {
  const auto* caller = find(call_id);
  if (caller == nullptr) return std::nullopt;
  // Queues are bounded by max_callers (≤ 1000); counting ahead beats keeping ranks in step.
  std::size_t place = 1;
  for (const auto& other : order_) {
    if (&other == caller) break;
    if (other.queue == caller->queue) ++place;
  }
  return place;
}

std::size_t CallQueues::size(std::string_view queue) const {
  auto it = queue_sizes_.find(std::string(queue));
  return it == queue_sizes_.end() ? 0 : it->second;
}

}  // namespace callrouter::acd
