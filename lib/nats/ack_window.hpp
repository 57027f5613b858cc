// One window of an org's events published to JetStream at once, and how far its acknowledgements
// let the cursor move: to the end of the unbroken run of stored seqs after the cursor. Pure.
#pragma once

#include <cstdint>
#include <vector>

namespace callrouter::nats {

class AckWindow {
 public:
  // Seqs cursor+1 .. last are in flight.
  AckWindow(std::uint64_t cursor, std::uint64_t last);

  // JetStream stored the event (a duplicate counts: it was stored before). Seqs outside the
  // window (a late ack of an earlier window) are ignored.
  void acked(std::uint64_t seq);

  // Where the cursor may move: every seq up to it was stored. A failed or missing ack stops it
  // there, even if later seqs were stored: those are published again, and de-duplicated.
  std::uint64_t cursor() const;
  bool complete() const { return cursor() == last_; }

 private:
  std::uint64_t first_;
  std::uint64_t last_;
  std::vector<bool> stored_;
};

}  // namespace callrouter::nats
