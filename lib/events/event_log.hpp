// Numbers committed call events per org and hands them to in-process consumers once durable,
// each event once, in seq order. Pure bookkeeping: the commit path does the journaling.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "events/event.hpp"

namespace callrouter::events {

class EventLog {
 public:
  using Consumer = std::function<void(const Event&)>;

  // At start: the org's last journaled seq, so numbering continues after it.
  void restore(const std::string& org_id, std::uint64_t last_seq);

  // Gives each event the next seq of its org. Call in commit order.
  void number(std::vector<Event>& events);

  // A batch is durable: consumers see its events, in order.
  void committed(const std::vector<Event>& events);

  // Every batch numbered but not yet durable is lost (the commit path calls this once, when the
  // journal refuses a write and with it everything queued behind it): their seqs are free again,
  // so seqs stay gap-free and are never given out twice.
  void failed();

  // Consumers run on the loop thread, after the records are durable, before the answer is sent.
  void subscribe(Consumer consumer) { consumers_.push_back(std::move(consumer)); }

  std::uint64_t last_committed(const std::string& org_id) const;

 private:
  struct OrgSeqs {
    std::uint64_t next = 1;
    std::uint64_t committed = 0;
  };
  std::unordered_map<std::string, OrgSeqs> orgs_;
  std::vector<Consumer> consumers_;
};

}  // namespace callrouter::events
