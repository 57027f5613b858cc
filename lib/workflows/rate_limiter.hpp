// A token bucket per endpoint: at most `per_second` requests a second on average, bursts of up to
// `burst`. Pure: the caller passes the time.
#pragma once

#include <algorithm>
#include <chrono>

#include "common/time.hpp"

namespace callrouter::workflows {

class RateLimiter {
 public:
  RateLimiter(double per_second, double burst) : per_second_(per_second), burst_(std::max(1.0, burst)), tokens_(burst_) {}

  // Takes a token and returns 0, or takes none and returns how long until one is there.
  std::chrono::microseconds take(Timestamp now) {
    refill(now);
    if (tokens_ >= 1.0) {
      tokens_ -= 1.0;
      return std::chrono::microseconds(0);
    }
    const double missing_s = (1.0 - tokens_) / per_second_;
    return std::chrono::microseconds(static_cast<std::int64_t>(missing_s * 1e6) + 1);
  }

 private:
  void refill(Timestamp now) {
    if (last_ != Timestamp{} && now > last_) {
      tokens_ = std::min(burst_, tokens_ + std::chrono::duration<double>(now - last_).count() * per_second_);
    }
    if (now > last_) last_ = now;
  }
  double per_second_;
  double burst_;
  double tokens_;
  Timestamp last_{};
};

}  // namespace callrouter::workflows
