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
  // Identifies the failure epoch a batch was numbered in (see failed()).
  using Epoch = std::uint64_t;

  // At start: the org's last journaled seq, so numbering continues after it.
  void restore(const std::string& org_id, std::uint64_t last_seq);

  // Gives each event the next seq of its org. Call in commit order.
  Epoch number(std::vector<Event>& events);

  // The batch numbered in `epoch` is durable: consumers see its events, in order.
  void committed(const std::vector<Event>& events);

  // A batch failed. The journal fails every batch queued before the loop saw a failure, so the
  // first failure of an epoch makes every seq not yet durable free again; later failures of the
  // same epoch change nothing. Seqs therefore stay gap-free and are never given out twice.
  void failed(Epoch epoch);

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
  Epoch epoch_ = 0;
};

}  // namespace callrouter::events
