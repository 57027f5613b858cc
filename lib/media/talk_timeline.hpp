// Both tracks of a call's audio on one timeline, a 20 ms frame at a time: each track's voice
// activity (voice_activity.hpp), then per frame who talked, giving the call's AudioFigures.
// Memory is fixed: a track may run at most kWindowFrames ahead of the other before the lagging
// one counts as silent there (its frames for that time, if they come, are dropped as late).
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "media/audio_figures.hpp"
#include "media/voice_activity.hpp"

namespace callrouter::media {

enum class Side : std::uint8_t { caller = 0, agent = 1 };

class TalkTimeline {
 public:
  static constexpr std::int64_t kFrameMs = 20;
  static constexpr std::int64_t kWindowFrames = 256;   // 5.12 s
  static constexpr std::int64_t kMaxGapFrames = 3000;  // 60 s of missing audio in one jump

  explicit TalkTimeline(VadSettings settings = {}) : vad_{VoiceActivity(settings), VoiceActivity(settings)} {}

  // One frame of a side's μ-law audio starting at `timestamp_ms` (from the stream's start). A
  // frame for a time already covered is dropped (late); frames missing before it are silence.
  // False, and nothing done, when the timestamp jumps more than kMaxGapFrames ahead.
  bool add_frame(Side side, std::int64_t timestamp_ms, std::span<const std::uint8_t> mulaw);
  // The end of the stream: pauses still pending are silence, every frame is counted.
  AudioFigures finish();
  // The frames counted so far (a few seconds behind the audio at most).
  const AudioFigures& figures() const { return figures_; }
  std::uint64_t late_frames() const { return late_frames_; }

 private:
  void settle(std::size_t side, SettledRun run);
  void count_next_frame();
  void count_settled();

  std::array<VoiceActivity, 2> vad_;
  std::array<std::int64_t, 2> next_frame_{0, 0};    // next frame index each side's VAD expects
  std::array<std::int64_t, 2> settled_upto_{0, 0};  // frames [0, this) of the side are settled
  std::array<std::array<bool, kWindowFrames>, 2> talk_{};  // settled decisions not yet counted
  std::int64_t counted_ = 0;                        // frames [0, this) are in figures_
  std::int64_t silence_run_ = 0;
  std::uint64_t late_frames_ = 0;
  AudioFigures figures_;
};

}  // namespace callrouter::media
