#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <string>

#include "provider/twilio/media_message.hpp"
#include "provider/twilio/media_stream.hpp"

using namespace callrouter;
using namespace callrouter::twilio;
using Step = MediaStreamSession::Step;

namespace {

constexpr std::string_view kStart =
    R"({"event":"start","sequenceNumber":"1","streamSid":"MZ1","start":{"accountSid":"AC1","callSid":"CA1",)"
    R"("streamSid":"MZ1","tracks":["inbound","outbound"],"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,)"
    R"("channels":1},"customParameters":{"org":"demo","call":"CA1"}}})";

std::string media_json(std::string_view track, int timestamp, std::string_view payload, std::string_view stream = "MZ1") {
  return fmt::format(R"({{"event":"media","sequenceNumber":"2","streamSid":"{}","media":{{"track":"{}","chunk":"1",)"
                     R"("timestamp":"{}","payload":"{}"}}}})",
                     stream, track, timestamp, payload);
}

// 160 bytes of μ-law: 0x10/0x90 alternating (loud) as base64.
std::string loud_payload() {
  std::string out;
  for (int i = 0; i < 160 / 3 * 4 / 4; ++i) out += "EJAQ";  // 0x10 0x90 0x10
  return out + "kA==";                                       // ... and one 0x90
}

}  // namespace

TEST_CASE("media messages are read with Twilio's names") {
  MediaMessageReader reader;
  auto start = reader.read(kStart);
  REQUIRE(start);
  CHECK(start->event == MediaEvent::start);
  CHECK(start->stream_sid == "MZ1");
  CHECK(start->start.account_sid == "AC1");
  CHECK(start->start.call_sid == "CA1");
  CHECK(start->start.encoding == "audio/x-mulaw");
  CHECK(start->start.sample_rate == 8000);
  CHECK(start->start.channels == 1);
  CHECK(start->start.org_param == "demo");
  CHECK(start->start.call_param == "CA1");

  auto m = reader.read(media_json("outbound", 40, "/w=="));
  REQUIRE(m);
  CHECK(m->event == MediaEvent::media);
  CHECK(m->media.track == MediaTrack::outbound);
  CHECK(m->media.timestamp_ms == 40);
  CHECK(m->media.payload == "/w==");

  auto dtmf = reader.read(R"({"event":"dtmf","streamSid":"MZ1","sequenceNumber":"5","dtmf":{"track":"inbound_track","digit":"7"}})");
  REQUIRE(dtmf);
  CHECK(dtmf->digit == "7");
  auto mark = reader.read(R"({"event":"mark","streamSid":"MZ1","sequenceNumber":"6","mark":{"name":"greeting"}})");
  REQUIRE(mark);
  CHECK(mark->mark_name == "greeting");
  auto other = reader.read(R"({"event":"transcript","streamSid":"MZ1"})");
  REQUIRE(other);
  CHECK(other->event == MediaEvent::other);
  CHECK(reader.read(R"({"event":"connected","protocol":"Call","version":"1.0.0"})")->event == MediaEvent::connected);
}

TEST_CASE("malformed media messages say what is wrong") {
  MediaMessageReader reader;
  CHECK(reader.read("not json").error().starts_with("malformed JSON"));
  CHECK(reader.read("[1,2]").error() == "a message must be a JSON object");
  CHECK(reader.read(R"({"streamSid":"MZ1"})").error() == "no event name");
  CHECK(reader.read(R"({"event":"media","media":{"track":"both","timestamp":"0","payload":""}})").error() ==
        "media: unknown track 'both'");
  CHECK(reader.read(R"({"event":"media","media":{"track":"inbound","timestamp":"-5","payload":""}})").error() ==
        "media: timestamp must be a count of milliseconds");
  CHECK_FALSE(reader.read(R"({"event":"media","media":{"track":"inbound","timestamp":"12x","payload":""}})"));
  CHECK(reader.read(R"({"event":"start","start":{"callSid":"CA1"}})").error() == "start: accountSid and callSid are required");
  std::string huge = R"({"event":"mark","pad":")" + std::string(kMaxMediaMessageBytes, 'x') + "\"}";
  CHECK(reader.read(huge).error().find("more than") != std::string::npos);
}

TEST_CASE("a stream's session: start, media, stop, and what it refuses") {
  MediaMessageReader reader;
  MediaStreamSession s;
  CHECK(s.on_text(reader, media_json("inbound", 0, "/w==")).step == Step::refused);  // media before start

  MediaStreamSession ok;
  CHECK(ok.on_text(reader, R"({"event":"connected","protocol":"Call","version":"1.0.0"})").step == Step::more);
  CHECK(ok.on_text(reader, kStart).step == Step::started);
  CHECK(ok.identity().call_sid == "CA1");
  CHECK(ok.identity().org_param == "demo");
  for (int i = 0; i < 50; ++i) {
    REQUIRE(ok.on_text(reader, media_json("inbound", i * 20, loud_payload())).step == Step::more);
    REQUIRE(ok.on_text(reader, media_json("outbound", i * 20, std::string(213, '/') + "w==")).step == Step::more);
  }
  CHECK(ok.on_text(reader, R"({"event":"mark","streamSid":"MZ1","mark":{"name":"x"}})").step == Step::more);
  CHECK(ok.ignored_messages() == 1);
  CHECK(ok.on_text(reader, kStart).step == Step::refused);  // a second start
  CHECK(ok.on_text(reader, R"({"event":"stop","sequenceNumber":"9","streamSid":"MZ1","stop":{"accountSid":"AC1","callSid":"CA1"}})").step ==
        Step::stopped);
  CHECK(ok.on_text(reader, "garbage after stop").step == Step::more);
  auto f = ok.finish();
  CHECK(f.caller_talk_ms == 1000);
  CHECK(f.agent_talk_ms == 0);
  CHECK(f.analysed_ms == 1000);
  CHECK(ok.media_messages() == 100);
}

TEST_CASE("a stream refuses bad audio") {
  MediaMessageReader reader;
  auto started = [&] {
    auto s = std::make_unique<MediaStreamSession>();
    REQUIRE(s->on_text(reader, kStart).step == Step::started);
    return s;
  };
  CHECK(started()->on_text(reader, media_json("inbound", 0, "not*base64")).reason == "a media payload that is not base64");
  CHECK(started()->on_text(reader, media_json("inbound", 0, std::string(4000, 'A'))).reason ==
        "a media payload longer than 1600 bytes");
  CHECK(started()->on_text(reader, media_json("inbound", 0, "/w==", "MZ2")).reason == "media of another stream");
  CHECK(started()->on_text(reader, media_json("inbound", 999999999, "/w==")).step == Step::refused);
  MediaStreamSession pcm;
  std::string wrong(kStart);
  wrong.replace(wrong.find("audio/x-mulaw"), 13, "audio/l16");
  CHECK(pcm.on_text(reader, wrong).step == Step::refused);
  MediaStreamSession early;
  CHECK(early.on_text(reader, R"({"event":"stop","streamSid":"MZ1"})").reason == "stop before start");
}
