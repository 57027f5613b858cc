// One message of a Twilio Media Streams WebSocket (connected, start, media, dtmf, mark, stop),
// read from its JSON text with Twilio's wire names and checked; provider-neutral beyond this file.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "common/expected.hpp"

namespace callrouter::twilio {

// A text frame longer than this is not a Media Streams message (a 20 ms media message is about
// 400 bytes; a start with custom parameters a few KiB).
inline constexpr std::size_t kMaxMediaMessageBytes = 16 * 1024;

enum class MediaEvent { connected, start, media, dtmf, mark, stop, other };
enum class MediaTrack { inbound, outbound };

// Views into the reader's parsed document: valid until its next read().
struct MediaMessage {
  MediaEvent event = MediaEvent::other;
  std::string_view event_name;  // as sent (an `other` one is ignored, but logged by name)
  std::string_view stream_sid;
  struct Start {
    std::string_view account_sid;
    std::string_view call_sid;
    std::string_view encoding;  // mediaFormat
    std::int64_t sample_rate = 0;
    std::int64_t channels = 0;
    std::string_view org_param;   // customParameters.org
    std::string_view call_param;  // customParameters.call
  } start;
  struct Media {
    MediaTrack track = MediaTrack::inbound;
    std::int64_t timestamp_ms = 0;  // from the stream's start
    std::string_view payload;       // base64 μ-law
  } media;
  std::string_view digit;      // dtmf
  std::string_view mark_name;  // mark
};

// Reads messages one at a time with one parser (its buffers are reused: no allocation per
// message once warm). The error says what was wrong, for the log line that closes the stream.
class MediaMessageReader {
 public:
  MediaMessageReader();
  ~MediaMessageReader();
  Expected<MediaMessage> read(std::string_view text);

 private:
  struct Parser;
  std::unique_ptr<Parser> parser_;
};

}  // namespace callrouter::twilio
