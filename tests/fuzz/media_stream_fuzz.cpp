// A Twilio Media Streams WebSocket as one stream receives it: up to 64 text messages (NUL
// separated) fed to one session, as WS /twilio/media does, until it stops or refuses. The figures
// always add up: every analysed millisecond is silence or someone's talk.
#include <vector>

#include "fuzz_support.hpp"
#include "provider/twilio/media_message.hpp"
#include "provider/twilio/media_stream.hpp"

using namespace callrouter;

namespace {

std::vector<std::string_view> messages(std::string_view text) {
  std::vector<std::string_view> out;
  while (out.size() < 64) {
    const auto at = text.find('\0');
    out.push_back(text.substr(0, at));
    if (at == std::string_view::npos) break;
    text.remove_prefix(at + 1);
  }
  return out;
}

void check(const media::AudioFigures& f) {
  fuzz::require(f.caller_talk_ms >= 0 && f.agent_talk_ms >= 0 && f.silence_ms >= 0 && f.talk_over_ms >= 0,
                "figures are never negative");
  fuzz::require(f.talk_over_ms <= f.caller_talk_ms && f.talk_over_ms <= f.agent_talk_ms, "talk-over is both talking");
  fuzz::require(f.longest_silence_ms <= f.silence_ms, "the longest silence is part of the silence");
  fuzz::require(f.caller_talk_ms + f.agent_talk_ms - f.talk_over_ms + f.silence_ms == f.analysed_ms,
                "every analysed millisecond is silence or talk");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static twilio::MediaMessageReader reader;  // shared by every stream, as in the daemon
  twilio::MediaStreamSession session;
  for (auto text : messages(fuzz::as_text(data, size))) {
    auto outcome = session.on_text(reader, text);
    if (outcome.step == twilio::MediaStreamSession::Step::refused) {
      fuzz::require(!outcome.reason.empty(), "a refusal says why");
      break;
    }
    check(session.figures_so_far());
    if (outcome.step == twilio::MediaStreamSession::Step::stopped) break;
  }
  check(session.finish());
  return 0;
}
