// Media Streams benchmark (issue 17): the CPU a stream's messages cost on the loop thread —
// JSON read, base64, μ-law energy, VAD, timeline — for 1,000 concurrent streams at 50 frames/s on
// each of two tracks, and the bytes a stream holds. Sockets are not in it (Beast's WebSocket
// framing comes on top). Results: bench/results/media.json.
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "provider/twilio/media_stream.hpp"

static std::atomic<std::uint64_t> g_allocations{0};
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using namespace callrouter;
using Clock = std::chrono::steady_clock;

namespace {

std::string base64(const std::vector<std::uint8_t>& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t n = static_cast<std::uint32_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<std::uint32_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) n |= bytes[i + 2];
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const int streams = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int seconds = argc > 2 ? std::atoi(argv[2]) : 10;
  const int frames = seconds * 50;

  // Talk on each track a second at a time, alternating, so the VAD and timeline do real work.
  std::vector<std::string> messages;
  std::uint32_t noise = 12345;
  for (int i = 0; i < frames; ++i) {
    for (int track = 0; track < 2; ++track) {
      const bool talk = ((i / 50) % 2) == track;
      std::vector<std::uint8_t> audio(160);
      for (auto& b : audio) {
        noise = noise * 1103515245 + 12345;
        b = talk ? static_cast<std::uint8_t>(noise >> 24) : static_cast<std::uint8_t>(0xFE | ((noise >> 24) & 1));
      }
      messages.push_back(fmt::format(
          R"({{"event":"media","sequenceNumber":"{}","streamSid":"MZ18ad3ab5a668481ce02b83e7395059f0","media":{{"track":"{}",)"
          R"("chunk":"{}","timestamp":"{}","payload":"{}"}}}})",
          3 + 2 * i + track, track == 0 ? "inbound" : "outbound", i + 1, i * 20, base64(audio)));
    }
  }
  const std::string start =
      R"({"event":"start","sequenceNumber":"1","start":{"accountSid":"AC0123456789abcdef0123456789abcdef",)"
      R"("streamSid":"MZ18ad3ab5a668481ce02b83e7395059f0","callSid":"CA0123456789abcdef0123456789abcdef",)"
      R"("tracks":["inbound","outbound"],"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1},)"
      R"("customParameters":{"org":"demo","call":"CA0123456789abcdef0123456789abcdef"}},)"
      R"("streamSid":"MZ18ad3ab5a668481ce02b83e7395059f0"})";

  twilio::MediaMessageReader reader;
  std::vector<std::unique_ptr<twilio::MediaStreamSession>> sessions;
  for (int s = 0; s < streams; ++s) {
    sessions.push_back(std::make_unique<twilio::MediaStreamSession>());
    if (sessions.back()->on_text(reader, start).step != twilio::MediaStreamSession::Step::started) return 1;
  }
  // Frame by frame across all streams, as the loop would see them interleaved.
  const auto allocations_before = g_allocations.load();
  const auto t0 = Clock::now();
  for (int i = 0; i < frames; ++i) {
    for (auto& session : sessions) {
      for (int track = 0; track < 2; ++track) {
        auto outcome = session->on_text(reader, messages[static_cast<std::size_t>(2 * i + track)]);
        if (outcome.step != twilio::MediaStreamSession::Step::more) {
          fmt::print(stderr, "refused: {}\n", outcome.reason);
          return 1;
        }
      }
    }
  }
  const double elapsed_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const auto allocations = g_allocations.load() - allocations_before;
  const double total_messages = static_cast<double>(streams) * frames * 2;
  const auto figures = sessions.front()->finish();

  const double ns_per_message = elapsed_s * 1e9 / total_messages;
  // Each stream sends 100 messages a second (50 frames/s on each of two tracks).
  const double core_share = ns_per_message * 100 * streams / 1e9;
  const auto bytes_per_stream = sizeof(twilio::MediaStreamSession);
  fmt::print("{} streams x {} s of audio ({} messages): {:.0f} ns/message, {:.1f} us CPU per stream-second, "
             "{:.1f}% of one core for {} live streams; {:.3f} allocations/message; {} bytes per session; "
             "stream 0 figures caller {} ms agent {} ms silence {} ms\n",
             streams, seconds, total_messages, ns_per_message, ns_per_message * 100 / 1000, core_share * 100, streams,
             static_cast<double>(allocations) / total_messages, bytes_per_stream, figures.caller_talk_ms,
             figures.agent_talk_ms, figures.silence_ms);
  std::ofstream out("bench/results/media.json");
  out << fmt::format(
      R"({{"streams":{},"seconds":{},"messages":{},"ns_per_message":{:.1f},"core_share_at_100_msgs_per_s":{:.4f},)"
      R"("allocations_per_message":{:.4f},"session_bytes":{}}})"
      "\n",
      streams, seconds, total_messages, ns_per_message, core_share, static_cast<double>(allocations) / total_messages,
      bytes_per_stream);
  return 0;
}
