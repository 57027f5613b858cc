#include "provider/twilio/media_message.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <charconv>

namespace callrouter::twilio {

struct MediaMessageReader::Parser {
  simdjson::dom::parser dom;
};

MediaMessageReader::MediaMessageReader() : parser_(std::make_unique<Parser>()) {}
MediaMessageReader::~MediaMessageReader() = default;

namespace {

using simdjson::dom::element;
using simdjson::dom::object;

std::string_view text_of(object o, std::string_view key) {
  std::string_view s;
  if (o[key].get(s) != simdjson::SUCCESS) return {};
  return s;
}

// Twilio writes the numbers inside `media` (and sequenceNumber) as strings; a bare number is
// taken too. Nothing on failure.
std::optional<std::int64_t> number_of(object o, std::string_view key) {
  element v;
  if (o[key].get(v) != simdjson::SUCCESS) return std::nullopt;
  std::int64_t n = 0;
  if (v.get(n) == simdjson::SUCCESS) return n;
  std::string_view s;
  if (v.get(s) != simdjson::SUCCESS || s.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return n;
}

MediaEvent event_of(std::string_view name) {
  if (name == "connected") return MediaEvent::connected;
  if (name == "start") return MediaEvent::start;
  if (name == "media") return MediaEvent::media;
  if (name == "dtmf") return MediaEvent::dtmf;
  if (name == "mark") return MediaEvent::mark;
  if (name == "stop") return MediaEvent::stop;
  return MediaEvent::other;
}

Expected<Ok> read_start(object o, MediaMessage& m) {
  object start;
  if (o["start"].get(start) != simdjson::SUCCESS) return unexpected(std::string("start: no start object"));
  m.start.account_sid = text_of(start, "accountSid");
  m.start.call_sid = text_of(start, "callSid");
  if (m.start.call_sid.empty() || m.start.account_sid.empty()) {
    return unexpected(std::string("start: accountSid and callSid are required"));
  }
  object format;
  if (start["mediaFormat"].get(format) != simdjson::SUCCESS) return unexpected(std::string("start: no mediaFormat"));
  m.start.encoding = text_of(format, "encoding");
  m.start.sample_rate = number_of(format, "sampleRate").value_or(0);
  m.start.channels = number_of(format, "channels").value_or(0);
  object params;
  if (start["customParameters"].get(params) == simdjson::SUCCESS) {
    m.start.org_param = text_of(params, "org");
    m.start.call_param = text_of(params, "call");
  }
  return Ok{};
}

Expected<Ok> read_media(object o, MediaMessage& m) {
  object media;
  if (o["media"].get(media) != simdjson::SUCCESS) return unexpected(std::string("media: no media object"));
  const auto track = text_of(media, "track");
  if (track == "inbound") {
    m.media.track = MediaTrack::inbound;
  } else if (track == "outbound") {
    m.media.track = MediaTrack::outbound;
  } else {
    return unexpected(fmt::format("media: unknown track '{}'", track.substr(0, 32)));
  }
  auto timestamp = number_of(media, "timestamp");
  if (!timestamp || *timestamp < 0) return unexpected(std::string("media: timestamp must be a count of milliseconds"));
  m.media.timestamp_ms = *timestamp;
  if (media["payload"].get(m.media.payload) != simdjson::SUCCESS) return unexpected(std::string("media: no payload"));
  return Ok{};
}

}  // namespace

Expected<MediaMessage> MediaMessageReader::read(std::string_view text) {
  if (text.size() > kMaxMediaMessageBytes) {
    return unexpected(fmt::format("message of {} bytes, more than {}", text.size(), kMaxMediaMessageBytes));
  }
  element root;
  if (auto error = parser_->dom.parse(text.data(), text.size()).get(root)) {
    return unexpected(fmt::format("malformed JSON: {}", simdjson::error_message(error)));
  }
  object o;
  if (root.get(o) != simdjson::SUCCESS) return unexpected(std::string("a message must be a JSON object"));
  MediaMessage m;
  if (o["event"].get(m.event_name) != simdjson::SUCCESS) return unexpected(std::string("no event name"));
  m.event = event_of(m.event_name);
  m.stream_sid = text_of(o, "streamSid");
  switch (m.event) {
    case MediaEvent::start:
      if (auto ok = read_start(o, m); !ok) return unexpected(ok.error());
      break;
    case MediaEvent::media:
      if (auto ok = read_media(o, m); !ok) return unexpected(ok.error());
      break;
    case MediaEvent::dtmf: {
      object dtmf;
      if (o["dtmf"].get(dtmf) == simdjson::SUCCESS) m.digit = text_of(dtmf, "digit");
      break;
    }
    case MediaEvent::mark: {
      object mark;
      if (o["mark"].get(mark) == simdjson::SUCCESS) m.mark_name = text_of(mark, "name");
      break;
    }
    case MediaEvent::connected:
    case MediaEvent::stop:
    case MediaEvent::other:
      break;
  }
  return m;
}

}  // namespace callrouter::twilio
