#include <catch2/catch.hpp>

#include <array>
#include <vector>

#include "common/json_writer.hpp"
#include "media/audio_figures.hpp"
#include "media/base64_payload.hpp"
#include "media/mulaw.hpp"
#include "media/talk_timeline.hpp"
#include "media/voice_activity.hpp"

using namespace callrouter;
using namespace callrouter::media;

namespace {

std::vector<std::uint8_t> loud_frame() {
  std::vector<std::uint8_t> f(160);
  for (std::size_t i = 0; i < f.size(); ++i) f[i] = (i % 2) ? 0x10 : 0x90;  // a square wave, about -9 dBFS
  return f;
}
std::vector<std::uint8_t> quiet_frame() { return std::vector<std::uint8_t>(160, 0xFF); }

}  // namespace

TEST_CASE("mu-law expands to the G.711 linear values") {
  CHECK(mulaw_to_linear(0xFF) == 0);
  CHECK(mulaw_to_linear(0x7F) == 0);
  CHECK(mulaw_to_linear(0x00) == -32124);
  CHECK(mulaw_to_linear(0x80) == 32124);
  CHECK(mulaw_to_linear(0xF0) == 120);  // a small positive step near zero
  CHECK(mean_square(quiet_frame()) == 0);
  CHECK(mean_square({}) == 0);
  CHECK(mean_square(loud_frame()) > 1e7);
}

TEST_CASE("base64 payloads decode into a fixed buffer or are refused") {
  std::array<std::uint8_t, 8> out{};
  auto n = decode_base64("AAEC/w==", out);
  REQUIRE(n);
  CHECK(*n == 4);
  CHECK(out[0] == 0);
  CHECK(out[1] == 1);
  CHECK(out[2] == 2);
  CHECK(out[3] == 255);
  CHECK(decode_base64("", out) == std::size_t{0});
  CHECK(decode_base64("/////w", out) == std::nullopt);      // length not a multiple of 4
  CHECK(decode_base64("AA=A", out) == std::nullopt);        // padding inside
  CHECK(decode_base64("AA==AAAA", out) == std::nullopt);    // padding before the end
  CHECK(decode_base64("AA*A", out) == std::nullopt);        // outside the alphabet
  CHECK(decode_base64("AAAAAAAAAAAA", out) == std::nullopt);  // 9 bytes do not fit in 8
  CHECK(decode_base64("AAAAAAAAAA==", out) == std::size_t{7});
}

TEST_CASE("voice activity bridges short pauses and ends talk without a tail") {
  VoiceActivity vad(VadSettings{.hangover_frames = 3});
  const double loud = mean_square(loud_frame());
  CHECK(vad.push(0).talk == false);
  auto run = vad.push(loud);
  CHECK(run.talk);
  CHECK(run.count == 1);
  // A pause of 3 frames then talk again: the pause settles as talk.
  for (int i = 0; i < 3; ++i) CHECK(vad.push(0).count == 0);
  run = vad.push(loud);
  CHECK(run.talk);
  CHECK(run.count == 4);
  // A pause longer than the hangover: all of it settles as silence, not a frame more.
  for (int i = 0; i < 3; ++i) CHECK(vad.push(0).count == 0);
  run = vad.push(0);
  CHECK_FALSE(run.talk);
  CHECK(run.count == 4);
  CHECK(vad.push(0).count == 1);
  // A pause pending at the end is silence.
  vad.push(loud);
  vad.push(0);
  CHECK(vad.pending() == 1);
  run = vad.flush();
  CHECK_FALSE(run.talk);
  CHECK(run.count == 1);
}

TEST_CASE("voice activity rises above a noisy line's own floor") {
  std::vector<std::uint8_t> hiss(160);
  for (std::size_t i = 0; i < hiss.size(); ++i) hiss[i] = (i % 2) ? 0x20 : 0xA0;  // loud steady noise
  const double noise = mean_square(hiss);
  // Under the fixed floor the noise estimate learns the line; talk must rise 10 dB above it.
  VoiceActivity noisy(VadSettings{.floor_mean_square = noise * 2});
  for (int i = 0; i < 50; ++i) noisy.push(noise);
  CHECK(noisy.push(noise).talk == false);
  CHECK(noisy.push(noise * 20).talk == true);
}

TEST_CASE("the timeline counts talk per side, talk-over and silence") {
  TalkTimeline t(VadSettings{.hangover_frames = 5});
  const auto loud = loud_frame();
  const auto quiet = quiet_frame();
  // Caller talks 0-2 s, the agent 1-3 s, then 2 s of nobody: 250 frames on each track.
  for (std::int64_t i = 0; i < 250; ++i) {
    REQUIRE(t.add_frame(Side::caller, i * 20, i < 100 ? loud : quiet));
    REQUIRE(t.add_frame(Side::agent, i * 20, (i >= 50 && i < 150) ? loud : quiet));
  }
  auto f = t.finish();
  CHECK(f.caller_talk_ms == 2000);
  CHECK(f.agent_talk_ms == 2000);
  CHECK(f.talk_over_ms == 1000);
  CHECK(f.silence_ms == 2000);
  CHECK(f.longest_silence_ms == 2000);
  CHECK(f.analysed_ms == 5000);
  CHECK(t.late_frames() == 0);
}

TEST_CASE("the timeline counts missing audio as silence and drops late and duplicate frames") {
  TalkTimeline t(VadSettings{.hangover_frames = 5});
  const auto loud = loud_frame();
  for (std::int64_t i = 0; i < 10; ++i) t.add_frame(Side::caller, i * 20, loud);
  t.add_frame(Side::caller, 100, loud);        // frame 5 again
  t.add_frame(Side::caller, 20 * 60, loud);    // frames 10..59 missing: silence
  auto f = t.finish();
  CHECK(t.late_frames() == 1);
  CHECK(f.caller_talk_ms == 220);  // frames 0..9 and 60
  CHECK(f.agent_talk_ms == 0);     // a track that never came is silent
  CHECK(f.silence_ms == 1000);
  CHECK(f.longest_silence_ms == 1000);
  CHECK(f.analysed_ms == 1220);
}

TEST_CASE("a track running far ahead does not hold memory: the other counts as silent") {
  TalkTimeline t(VadSettings{.hangover_frames = 5});
  const auto loud = loud_frame();
  for (std::int64_t i = 0; i < 1000; ++i) t.add_frame(Side::caller, i * 20, loud);
  CHECK(t.figures().analysed_ms >= (1000 - TalkTimeline::kWindowFrames) * 20);
  t.add_frame(Side::agent, 0, loud);  // too late for frame 0
  CHECK(t.late_frames() == 1);
  auto f = t.finish();
  CHECK(f.caller_talk_ms == 20000);
  CHECK(f.talk_over_ms == 0);
}

TEST_CASE("a payload longer than a frame is split into 20 ms frames; implausible jumps are refused") {
  TalkTimeline t;
  std::vector<std::uint8_t> two_frames = loud_frame();
  two_frames.insert(two_frames.end(), 160, 0x10);
  REQUIRE(t.add_frame(Side::caller, 0, two_frames));
  CHECK_FALSE(t.add_frame(Side::caller, (TalkTimeline::kMaxGapFrames + 10) * 20, loud_frame()));
  auto f = t.finish();
  CHECK(f.caller_talk_ms == 40);
}

TEST_CASE("figures are written as DESIGN's call.audio, in exact seconds") {
  JsonWriter w;
  write_audio_figures(w, AudioFigures{12340, 5, 1000, 60, 800, 20000});
  CHECK(w.str() ==
        R"({"talk_s":{"caller":12.340,"agent":0.005},"silence_s":1.000,"talk_over_s":0.060,"longest_silence_s":0.800,"analysed_s":20.000})");
}
