#include "media/audio_figures.hpp"

#include <fmt/format.h>

#include "common/json_writer.hpp"

namespace callrouter::media {
namespace {

// Exact decimal seconds from integer milliseconds: no floating point in stored records.
std::string seconds(std::int64_t ms) { return fmt::format("{}.{:03}", ms / 1000, ms % 1000); }

}  // namespace

void write_audio_figures(JsonWriter& w, const AudioFigures& f) {
  w.begin_object();
  w.key("talk_s").begin_object();
  w.key("caller").raw(seconds(f.caller_talk_ms));
  w.key("agent").raw(seconds(f.agent_talk_ms));
  w.end_object();
  w.key("silence_s").raw(seconds(f.silence_ms));
  w.key("talk_over_s").raw(seconds(f.talk_over_ms));
  w.key("longest_silence_s").raw(seconds(f.longest_silence_ms));
  w.key("analysed_s").raw(seconds(f.analysed_ms));
  w.end_object();
}

}  // namespace callrouter::media
