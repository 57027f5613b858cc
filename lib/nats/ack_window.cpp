#include "nats/ack_window.hpp"

namespace callrouter::nats {

AckWindow::AckWindow(std::uint64_t cursor, std::uint64_t last)
    : first_(cursor + 1), last_(last < cursor ? cursor : last), stored_(last_ - cursor, false) {}

void AckWindow::acked(std::uint64_t seq) {
  if (seq < first_ || seq > last_) return;
  stored_[seq - first_] = true;
}

std::uint64_t AckWindow::cursor() const {
  std::uint64_t at = first_ - 1;
  for (bool stored : stored_) {
    if (!stored) break;
    ++at;
  }
  return at;
}

}  // namespace callrouter::nats
