#include "provider/twilio/media_stream.hpp"

#include <fmt/format.h>

#include <array>

#include "media/base64_payload.hpp"

namespace callrouter::twilio {

using Outcome = MediaStreamSession::Outcome;
using Step = MediaStreamSession::Step;

namespace {

Outcome refuse(std::string reason) { return Outcome{Step::refused, std::move(reason)}; }

}  // namespace

Outcome MediaStreamSession::on_text(MediaMessageReader& reader, std::string_view text) {
  if (stopped_) return {};  // whatever follows `stop` changes nothing
  auto read = reader.read(text);
  if (!read) return refuse(read.error());
  const auto& m = *read;
  switch (m.event) {
    case MediaEvent::connected:
      return {};
    case MediaEvent::start: {
      if (started_) return refuse("a second start");
      const auto& s = m.start;
      if (s.encoding != "audio/x-mulaw" || s.sample_rate != 8000 || s.channels != 1) {
        return refuse(fmt::format("media format {}/{}/{} is not audio/x-mulaw, 8000 Hz, mono", s.encoding.substr(0, 32),
                                  s.sample_rate, s.channels));
      }
      identity_ = Identity{std::string(s.account_sid), std::string(s.call_sid), std::string(m.stream_sid),
                           std::string(s.org_param), std::string(s.call_param)};
      started_ = true;
      return {Step::started, {}};
    }
    case MediaEvent::media:
      return on_media(m);
    case MediaEvent::stop:
      if (!started_) return refuse("stop before start");
      stopped_ = true;
      return {Step::stopped, {}};
    case MediaEvent::dtmf:
    case MediaEvent::mark:
    case MediaEvent::other:
      ++ignored_messages_;
      return {};
  }
  return {};
}

Outcome MediaStreamSession::on_media(const MediaMessage& m) {
  if (!started_) return refuse("media before start");
  if (m.stream_sid != identity_.stream_sid) return refuse("media of another stream");
  std::array<std::uint8_t, kMaxMediaPayloadBytes> audio;
  auto size = media::decode_base64(m.media.payload, audio);
  if (!size) {
    return refuse(m.media.payload.size() > kMaxMediaPayloadBytes * 4 / 3 + 4
                      ? fmt::format("a media payload longer than {} bytes", kMaxMediaPayloadBytes)
                      : std::string("a media payload that is not base64"));
  }
  ++media_messages_;
  const auto side = m.media.track == MediaTrack::inbound ? media::Side::caller : media::Side::agent;
  if (!timeline_.add_frame(side, m.media.timestamp_ms, std::span(audio.data(), *size))) {
    return refuse(fmt::format("media timestamp {} ms jumps more than a minute ahead", m.media.timestamp_ms));
  }
  return {};
}

}  // namespace callrouter::twilio
