// Callers waiting for an agent in one organisation: many named queues (one per ring state), one
// order across them — higher priority first, then who came first. Pure and single-threaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/time.hpp"

namespace callrouter::acd {

struct QueuedCaller {
  std::string call_id;
  std::string queue;  // which queue (the app uses flow id + state id)
  int priority = 0;   // higher is served first
  std::uint64_t arrival = 0;  // order of arrival across the org's queues
  Timestamp since{};
};

enum class EnqueueResult : std::uint8_t { queued, full, already_queued };
// Why a caller left; every queued caller leaves exactly once, for exactly one of these.
enum class LeaveReason : std::uint8_t { assigned, hung_up, timed_out, gone };

class CallQueues {
 public:
  // `max_callers` applies to `queue` alone (0: no limit).
  EnqueueResult enqueue(std::string_view call_id, std::string_view queue, int priority, int max_callers,
                        Timestamp now);
  // True the first time a queued caller leaves; false when it was not (or no longer) queued.
  bool leave(std::string_view call_id);
  // Puts back a caller taken by serve() whose assignment fell through, at their old place.
  bool restore(const QueuedCaller& caller);
  bool contains(std::string_view call_id) const { return by_call_.contains(std::string(call_id)); }
  const QueuedCaller* find(std::string_view call_id) const;
  // 1-based place in its own queue in service order (priority, then arrival).
  std::optional<std::size_t> position(std::string_view call_id) const;
  std::size_t size(std::string_view queue) const;
  std::size_t size() const { return order_.size(); }

  // Offers each caller in service order to `try_assign(const QueuedCaller&)`, which returns
  // true when it took the caller (who then leaves) or false to pass over them. Stops early
  // when `try_assign` says so by returning std::nullopt (nobody at all can take a caller now).
  template <class TryAssign>
  std::size_t serve(TryAssign&& try_assign) {
    std::size_t served = 0;
    for (auto it = order_.begin(); it != order_.end();) {
      std::optional<bool> taken = try_assign(*it);
      if (!taken) break;
      if (*taken) {
        it = erase(it);
        ++served;
      } else {
        ++it;
      }
    }
    return served;
  }

 private:
  struct ServiceOrder {
    bool operator()(const QueuedCaller& a, const QueuedCaller& b) const {
      if (a.priority != b.priority) return a.priority > b.priority;
      return a.arrival < b.arrival;
    }
  };
  using Order = std::set<QueuedCaller, ServiceOrder>;
  Order::iterator erase(Order::iterator it);

  Order order_;
  std::unordered_map<std::string, Order::iterator> by_call_;
  std::unordered_map<std::string, std::size_t> queue_sizes_;
  std::uint64_t next_arrival_ = 0;
};

}  // namespace callrouter::acd
