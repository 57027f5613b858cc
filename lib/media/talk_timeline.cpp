#include "media/talk_timeline.hpp"

#include <algorithm>

#include "media/mulaw.hpp"

namespace callrouter::media {
namespace {

constexpr std::size_t slot(std::int64_t frame) {
  return static_cast<std::size_t>(frame % TalkTimeline::kWindowFrames);
}

}  // namespace

bool TalkTimeline::add_frame(Side side, std::int64_t timestamp_ms, std::span<const std::uint8_t> mulaw) {
  const auto s = static_cast<std::size_t>(side);
  constexpr std::size_t kSamplesPerFrame = 160;  // 20 ms at 8 kHz
  const std::int64_t first = (std::max<std::int64_t>(timestamp_ms, 0) + kFrameMs / 2) / kFrameMs;
  if (first - next_frame_[s] > kMaxGapFrames) return false;
  for (std::size_t offset = 0; offset < mulaw.size(); offset += kSamplesPerFrame) {
    const std::int64_t frame = first + static_cast<std::int64_t>(offset / kSamplesPerFrame);
    if (frame < next_frame_[s]) {
      ++late_frames_;
      continue;
    }
    while (next_frame_[s] < frame) {  // missing audio is silence
      settle(s, vad_[s].push(0));
      ++next_frame_[s];
    }
    settle(s, vad_[s].push(mean_square(mulaw.subspan(offset, std::min(kSamplesPerFrame, mulaw.size() - offset)))));
    ++next_frame_[s];
  }
  count_settled();
  return true;
}

void TalkTimeline::settle(std::size_t side, SettledRun run) {
  for (std::int64_t i = 0; i < run.count; ++i) {
    const std::int64_t frame = settled_upto_[side]++;
    if (frame < counted_) {
      ++late_frames_;  // the other side ran a window ahead: this time is counted already
      continue;
    }
    while (frame >= counted_ + kWindowFrames) count_next_frame();
    talk_[side][slot(frame)] = run.talk;
  }
}

void TalkTimeline::count_next_frame() {
  const bool caller = settled_upto_[0] > counted_ && talk_[0][slot(counted_)];
  const bool agent = settled_upto_[1] > counted_ && talk_[1][slot(counted_)];
  if (caller) figures_.caller_talk_ms += kFrameMs;
  if (agent) figures_.agent_talk_ms += kFrameMs;
  if (caller && agent) figures_.talk_over_ms += kFrameMs;
  if (!caller && !agent) {
    figures_.silence_ms += kFrameMs;
    silence_run_ += kFrameMs;
    figures_.longest_silence_ms = std::max(figures_.longest_silence_ms, silence_run_);
  } else {
    silence_run_ = 0;
  }
  figures_.analysed_ms += kFrameMs;
  ++counted_;
}

void TalkTimeline::count_settled() {
  while (settled_upto_[0] > counted_ && settled_upto_[1] > counted_) count_next_frame();
}

AudioFigures TalkTimeline::finish() {
  for (std::size_t s = 0; s < 2; ++s) settle(s, vad_[s].flush());
  const std::int64_t end = std::max(settled_upto_[0], settled_upto_[1]);
  while (counted_ < end) count_next_frame();
  return figures_;
}

}  // namespace callrouter::media
