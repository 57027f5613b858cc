// What a call's audio showed (DESIGN §4 `call.audio`): how long each side talked, how long
// neither did, how long both did at once, and the longest stretch of silence. Milliseconds here;
// the JSON says seconds.
#pragma once

#include <cstdint>

namespace callrouter {
class JsonWriter;
}

namespace callrouter::media {

struct AudioFigures {
  std::int64_t caller_talk_ms = 0;  // the caller's track (the provider's inbound audio)
  std::int64_t agent_talk_ms = 0;   // what the caller hears: the agent, prompts
  std::int64_t silence_ms = 0;      // nobody talking
  std::int64_t talk_over_ms = 0;    // both at once
  std::int64_t longest_silence_ms = 0;
  std::int64_t analysed_ms = 0;     // stream time the figures cover

  bool operator==(const AudioFigures&) const = default;
};

// {"talk_s":{"caller":…,"agent":…},"silence_s":…,"talk_over_s":…,"longest_silence_s":…,
//  "analysed_s":…} as one value, seconds with millisecond decimals.
void write_audio_figures(JsonWriter& w, const AudioFigures& figures);

}  // namespace callrouter::media
