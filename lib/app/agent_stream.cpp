// The agents' WebSocket (/v1/agents/stream): authentication, the snapshot on connect, presence
// changes from the softphone.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/agent_message.hpp"
#include "app/app.hpp"
#include "common/json_writer.hpp"

namespace callrouter::app {
namespace {

constexpr std::size_t kMaxStreamsPerAgent = 5;

}  // namespace

using server::HttpRequest;
using server::json_error;

server::UpgradeDecision App::agent_stream(const HttpRequest& request) {
  if (request.path() != "/v1/agents/stream") return json_error(404, "not_found", "no such route");
  if (!ready_) return json_error(503, "not_ready", "loading state from the journal; retry");
  auto with_key = request;
  if (with_key.header("authorization").empty()) {
    auto query = twilio::parse_form(request.query());
    if (query) {
      if (auto key = query->get("key")) with_key.headers.emplace_back("authorization", "Bearer " + std::string(*key));
    }
  }
  auto who = authenticate(with_key);
  if (!who) return json_error(401, "unauthorized", "missing or invalid API key");
  if (who->role != auth::Role::agent) return json_error(403, "forbidden", "the agent stream takes an agent key");
  const auto* user = directory_.user(who->org_id, who->user_id);
  if (user == nullptr) return json_error(403, "forbidden", "this key's user is not a telephony user");
  // A few tabs or devices per agent; more is a runaway client, which must not use up the
  // connections the provider's webhooks need.
  if (agents_.connections_of(who->org_id, who->user_id) >= kMaxStreamsPerAgent) {
    return json_error(429, "too_many_streams",
                      fmt::format("this agent has {} streams open already; close one first", kMaxStreamsPerAgent));
  }

  return server::AcceptChannel([this, org = who->org_id, user_id = who->user_id](
                                   const std::shared_ptr<server::WebSocketChannel>& channel) {
    std::weak_ptr<server::WebSocketChannel> weak = channel;
    channel->on_message = [this, org, user_id, weak](std::string_view text) {
      auto self = weak.lock();
      if (!self) return;
      auto message = api::read_agent_message(text);
      if (auto* refused = std::get_if<api::AgentMessageRefused>(&message)) return self->send(std::string(refused->frame));
      if (std::holds_alternative<api::AgentPing>(message)) return self->send(R"({"type":"pong"})");
      const auto& presence = std::get<api::AgentPresence>(message).presence;
      change_presence(org, user_id, presence, [weak](const engine::TelephonyUser* updated, server::HttpResponse error) {
        auto ch = weak.lock();
        if (ch && updated == nullptr) {
          JsonWriter w;
          w.begin_object().field("type", "error").field("status", static_cast<std::int64_t>(error.status)).key("detail").raw(error.body).end_object();
          ch->send(w.take());
        }
      });
    };
    channel->on_close = [this, org, user_id, raw = channel.get()] { agents_.detach(org, user_id, raw); };
    agents_.attach(org, user_id, channel);
    // The snapshot: who the agent is and what is being offered, so a reconnect loses nothing.
    JsonWriter w;
    w.begin_object().field("type", "snapshot").key("user");
    if (const auto* u = directory_.user(org, user_id)) {
      write_user(w, *u);
    } else {
      w.null();
    }
    w.key("offers").begin_array();
    for (const auto& offer : engine_.offers_for(org, user_id)) w.raw(offer);
    w.end_array().end_object();
    channel->send(w.take());
  });
}

}  // namespace callrouter::app
