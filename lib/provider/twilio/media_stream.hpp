// One Twilio Media Stream from `connected` to `stop`, as a pure state machine: each text message
// in, what it means out (go on, the stream started and must be checked against our calls, it
// stopped, or it is refused with a reason). The audio goes to a media::TalkTimeline.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "media/audio_figures.hpp"
#include "media/talk_timeline.hpp"
#include "provider/twilio/media_message.hpp"

namespace callrouter::twilio {

// The most audio one media message may carry: 200 ms (Twilio sends 20 ms).
inline constexpr std::size_t kMaxMediaPayloadBytes = 1600;

class MediaStreamSession {
 public:
  enum class Step {
    more,     // nothing for the caller to do
    started,  // `identity()` is known: the caller checks it (org, call) and may refuse
    stopped,  // the provider ended the stream: finish() has the figures
    refused,  // the stream broke the protocol: close it, log `reason`
  };
  struct Outcome {
    Step step = Step::more;
    std::string reason;
  };
  struct Identity {
    std::string account_sid;
    std::string call_sid;
    std::string stream_sid;
    std::string org_param;   // <Parameter name="org">
    std::string call_param;  // <Parameter name="call">
  };

  // `reader` may be shared by many streams: nothing of a message is kept past this call.
  Outcome on_text(MediaMessageReader& reader, std::string_view text);
  bool started() const { return started_; }
  bool stopped() const { return stopped_; }
  const Identity& identity() const { return identity_; }
  const media::AudioFigures& figures_so_far() const { return timeline_.figures(); }
  // Every frame counted; call once, at the end.
  media::AudioFigures finish() { return timeline_.finish(); }

  std::uint64_t media_messages() const { return media_messages_; }
  std::uint64_t ignored_messages() const { return ignored_messages_; }

 private:
  Outcome on_media(const MediaMessage& m);
  Identity identity_;
  media::TalkTimeline timeline_;
  bool started_ = false;
  bool stopped_ = false;
  std::uint64_t media_messages_ = 0;
  std::uint64_t ignored_messages_ = 0;
};

}  // namespace callrouter::twilio
