// WS /twilio/media: the provider's Media Streams. The upgrade is verified here (X-Twilio-Signature
// over the wss:// stream URL, by one of our orgs' auth tokens); each message goes to the stream's
// twilio::MediaStreamSession; a stream for a call that is not the signing org's is closed; when
// the stream ends its figures are applied as an engine event, so they reach the call's record
// through the one commit path. Audio work is a few microseconds a message, on the loop thread.
#include <spdlog/spdlog.h>

#include "app/app.hpp"
#include "ops/metrics.hpp"
#include "provider/twilio/media_stream.hpp"
#include "provider/twilio/render_actions.hpp"
#include "provider/twilio/signature.hpp"

namespace callrouter::app {

using server::HttpRequest;
using server::json_error;

struct App::MediaStream {
  std::vector<std::string> signers;  // orgs whose auth token signed the upgrade (normally one)
  std::weak_ptr<server::WebSocketChannel> channel;
  twilio::MediaStreamSession session;
  std::string org_id;  // set once the start names one of the signers' calls
  bool done = false;   // figures applied, or the stream refused
};

namespace {

// One reader for every stream: the loop is one thread and no message outlives its handling, so
// a thousand streams share one parser's buffers.
twilio::MediaMessageReader& shared_reader() {
  static twilio::MediaMessageReader reader;
  return reader;
}

}  // namespace

server::UpgradeDecision App::upgrade(const HttpRequest& request) {
  if (request.path() == "/twilio/media") return twilio_media(request);
  return agent_stream(request);
}

server::UpgradeDecision App::twilio_media(const HttpRequest& request) {
  if (!ready_) return json_error(503, "not_ready", "loading state from the journal; retry");
  const auto signature = request.header("x-twilio-signature");
  if (signature.empty()) return json_error(403, "invalid_signature", "missing X-Twilio-Signature");
  // The provider signs the URL as the TwiML wrote it, with no parameters; which org's token
  // signed it is only known by trying them (the stream names its org after the upgrade).
  const auto url = twilio::media_stream_url(config_.public_base_url);
  std::vector<std::string> signers;
  directory_.for_each_org([&](const engine::Org& org) {
    if (twilio::validate_signature(org.auth_token, url, {}, signature)) signers.push_back(org.id);
  });
  if (signers.empty()) {
    ++media_counts_.refused;
    return json_error(403, "invalid_signature", "X-Twilio-Signature does not match");
  }
  return server::AcceptChannel([this, signers = std::move(signers)](const std::shared_ptr<server::WebSocketChannel>& channel) {
    auto stream = std::make_shared<MediaStream>();
    stream->signers = signers;
    stream->channel = channel;
    media_streams_.insert(stream);
    ++media_counts_.accepted;
    // The channel holds the stream through its callbacks; the stream holds the channel weakly.
    channel->on_message = [this, stream](std::string_view text) { on_media_message(*stream, text); };
    channel->on_close = [this, stream] {
      if (!stream->done && !stream->org_id.empty()) {
        spdlog::info("media stream {} of call {}: closed before stop", stream->session.identity().stream_sid,
                     stream->session.identity().call_sid);
      }
      finish_media_stream(*stream);
      media_streams_.erase(stream);
    };
  });
}

std::optional<std::string> App::media_stream_refusal(const MediaStream& stream) const {
  const auto& id = stream.session.identity();
  if (std::find(stream.signers.begin(), stream.signers.end(), id.org_param) == stream.signers.end()) {
    return fmt::format("org '{}' did not sign this stream", id.org_param.substr(0, 64));
  }
  const auto* org = directory_.org(id.org_param);
  if (org == nullptr || org->account_sid != id.account_sid) return std::string("the account is not the org's");
  if (!id.call_param.empty() && id.call_param != id.call_sid) return std::string("the call parameter is not the stream's call");
  // Calls are looked up within the org: another org's call is unknown here.
  if (!calls_.find(org->id, id.call_sid)) return fmt::format("no call {} in org {}", id.call_sid.substr(0, 64), org->id);
  return std::nullopt;
}

void App::on_media_message(MediaStream& stream, std::string_view text) {
  if (stream.done) return;
  ++media_counts_.messages;
  auto outcome = stream.session.on_text(shared_reader(), text);
  using Step = twilio::MediaStreamSession::Step;
  switch (outcome.step) {
    case Step::more:
      return;
    case Step::started:
      if (auto refusal = media_stream_refusal(stream)) {
        spdlog::warn("media stream {}: refused: {}", stream.session.identity().stream_sid.substr(0, 64), *refusal);
        return refuse_media_stream(stream);
      }
      stream.org_id = stream.session.identity().org_param;
      return;
    case Step::stopped:
      finish_media_stream(stream);
      if (auto channel = stream.channel.lock()) channel->close();
      return;
    case Step::refused:
      // What was heard until then still counts; the stream itself is over.
      spdlog::warn("media stream {}: closing: {}", stream.session.identity().stream_sid.substr(0, 64), outcome.reason);
      finish_media_stream(stream);
      return refuse_media_stream(stream);
  }
}

void App::refuse_media_stream(MediaStream& stream) {
  ++media_counts_.refused;
  stream.done = true;
  if (auto channel = stream.channel.lock()) channel->close();
}

void App::finish_media_stream(MediaStream& stream) {
  if (stream.done || stream.org_id.empty()) return;
  stream.done = true;
  const auto figures = stream.session.finish();
  apply(engine::AudioFiguresEvent{stream.org_id, stream.session.identity().call_sid, figures}, nullptr);
}

void App::close_media_streams() {
  // Closing finishes each stream (its figures are journaled while the loop drains).
  auto streams = media_streams_;
  for (const auto& s : streams) {
    if (auto channel = s->channel.lock()) channel->close_going_away();
  }
}

void App::media_metrics() {
  metrics_.set_gauge("callrouter_media_streams", "Media Streams open", static_cast<double>(media_streams_.size()));
  metrics_.set_counter("callrouter_media_streams_accepted_total", "Media Stream upgrades accepted",
                       static_cast<double>(media_counts_.accepted));
  metrics_.set_counter("callrouter_media_streams_refused_total",
                       "Media Streams refused (signature, unknown call, protocol)", static_cast<double>(media_counts_.refused));
  metrics_.set_counter("callrouter_media_messages_total", "Media Stream messages read",
                       static_cast<double>(media_counts_.messages));
}

}  // namespace callrouter::app
