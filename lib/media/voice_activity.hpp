// Voice activity of one audio track, a 20 ms frame at a time: is someone talking? The method is
// frame energy against a threshold (a fixed floor, raised above the track's own noise), with a
// hangover that bridges the short pauses inside speech (stops, breaths, word gaps) without
// stretching the end of a talk spurt: a pause is settled as talk only when talk resumes within
// the hangover, else as silence. Decisions are therefore settled up to `hangover_frames` late.
#pragma once

#include <cstdint>

namespace callrouter::media {

struct VadSettings {
  // -40 dBFS mean power: far above line noise and μ-law's quietest codes, below the quiet
  // consonants of normal speech.
  double floor_mean_square = 32768.0 * 32768.0 * 1e-4;
  double above_noise = 10.0;     // 10 dB over the track's noise estimate also counts as talk
  int hangover_frames = 10;      // 200 ms pauses inside speech stay talk
};

// A run of frames whose decision is now final, all the same: `count` frames of `talk`.
struct SettledRun {
  bool talk = false;
  std::int64_t count = 0;
};

class VoiceActivity {
 public:
  explicit VoiceActivity(VadSettings settings = {}) : settings_(settings) {}

  // The next frame's mean square (mulaw.hpp); returns the frames this settles, in order.
  SettledRun push(double mean_square);
  // No frame follows: a pause still pending is silence.
  SettledRun flush();
  // Frames pushed but not yet settled (a pause that may still turn out to be inside speech).
  std::int64_t pending() const { return pending_quiet_; }

 private:
  bool loud(double mean_square) const;
  VadSettings settings_;
  double noise_ = 0;  // mean square of recent non-talk frames
  bool in_talk_ = false;
  std::int64_t pending_quiet_ = 0;
};

}  // namespace callrouter::media
