#include "media/voice_activity.hpp"

#include <algorithm>
#include <cmath>

namespace callrouter::media {

bool VoiceActivity::loud(double mean_square) const {
  const double over_noise = noise_ * std::pow(10.0, settings_.above_noise / 10.0);
  return mean_square > std::max(settings_.floor_mean_square, over_noise);
}

SettledRun VoiceActivity::push(double mean_square) {
  const bool is_loud = loud(mean_square);
  if (!is_loud) noise_ = noise_ == 0 ? mean_square : 0.95 * noise_ + 0.05 * mean_square;
  if (!in_talk_) {
    in_talk_ = is_loud;
    return {is_loud, 1};
  }
  if (is_loud) {
    // Talk resumed within the hangover: the pause was part of it.
    SettledRun run{true, pending_quiet_ + 1};
    pending_quiet_ = 0;
    return run;
  }
  if (++pending_quiet_ > settings_.hangover_frames) {
    SettledRun run{false, pending_quiet_};
    pending_quiet_ = 0;
    in_talk_ = false;
    return run;
  }
  return {false, 0};
}

SettledRun VoiceActivity::flush() {
  SettledRun run{false, pending_quiet_};
  pending_quiet_ = 0;
  in_talk_ = false;
  return run;
}

}  // namespace callrouter::media
