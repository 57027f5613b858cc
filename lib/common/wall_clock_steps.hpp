// How far the wall clock has been stepped forward while the process runs (NTP correcting it, an
// operator, a VM resumed): wall-clock time that passed beyond the real, monotonic time.
#pragma once

#include <algorithm>
#include <chrono>

#include "common/time.hpp"

namespace callrouter {

// An age read from wall-clock timestamps (a call's started_at) minus `ahead()` is never more than
// the time that really passed since the start, so a clock stepped days forward does not make a
// call seconds old look days old. A step back only makes ages shorter: judged later, not wrongly.
class WallClockSteps {
 public:
  using Steady = std::chrono::steady_clock;

  explicit WallClockSteps(Timestamp wall_now, Steady::time_point steady_now = Steady::now())
      : wall_start_(wall_now), steady_start_(steady_now) {}

  std::chrono::microseconds ahead(Timestamp wall_now, Steady::time_point steady_now = Steady::now()) const {
    const auto real = std::chrono::duration_cast<std::chrono::microseconds>(steady_now - steady_start_);
    return std::max(std::chrono::microseconds{0}, (wall_now - wall_start_) - real);
  }

 private:
  Timestamp wall_start_;
  Steady::time_point steady_start_;
};

}  // namespace callrouter
