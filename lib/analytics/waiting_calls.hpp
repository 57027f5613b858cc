// Who is waiting in which queue now, kept from the committed call events (queue.joined adds a
// caller, queue.left, queue.abandoned and call.ended take them off): the live board's queues.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/time.hpp"
#include "events/event.hpp"

namespace callrouter::analytics {

class WaitingCalls {
 public:
  void on(const events::Event& event);
  // Start-up: a call the journal shows still queued.
  void add(std::string_view org_id, std::string_view sid, std::string queue, Timestamp since);

  struct Queue {
    std::size_t waiting = 0;
    Timestamp oldest_since = Timestamp::max();
  };
  // The org's queues with someone waiting, by queue (the flow state that queues).
  std::map<std::string, Queue> queues(std::string_view org_id) const;

 private:
  struct Waiting {
    std::string queue;
    Timestamp since;
  };
  std::unordered_map<std::string, std::unordered_map<std::string, Waiting>> orgs_;  // org -> sid -> where
};

}  // namespace callrouter::analytics
