// WS /v1/live: the admin wallboard. On connect a snapshot (the board of GET /v1/analytics/live
// and the calls in progress);
// then every committed call event of the org as it becomes durable (calls starting and ending,
// queue joins and leaves), and the board again whenever it changed (agents' states, queues,
// today's figures), checked every 250 ms. A reconnect starts from a new snapshot, so it loses nothing.
#include <fmt/format.h>

#include <algorithm>

#include "app/app.hpp"
#include "common/json_writer.hpp"
#include "engine/call_record.hpp"
#include "flow/evaluate.hpp"
#include "provider/twilio/form.hpp"

namespace callrouter::app {
namespace {

constexpr std::size_t kMaxBoardsPerOrg = 20;
constexpr std::size_t kSnapshotCalls = 500;  // more than a wallboard shows; newest first
constexpr std::chrono::milliseconds kBoardCheck{250};

std::string board_message(std::string_view type, const std::string& board) {
  return fmt::format(R"({{"type":"{}","board":{}}})", type, board);
}

// The snapshot: the board, and each call in progress as the events show calls (DESIGN §4 fields)
// plus whether it waits in a queue, so a board that connects mid-call lists it.
std::string snapshot_message(const std::string& board, const std::vector<const engine::CallRecord*>& calls) {
  JsonWriter w;
  w.begin_object().field("type", "snapshot").key("board").raw(board).key("calls").begin_array();
  for (const auto* c : calls) {
    w.begin_object();
    engine::write_call_fields(w, *c);
    w.field("queued", c->flow_waiting == flow::waiting_name(flow::Waiting::queue) && !c->terminal());
    w.end_object();
  }
  w.end_array().end_object();
  return w.take();
}

}  // namespace

using server::HttpRequest;
using server::json_error;

server::UpgradeDecision App::live_stream(const HttpRequest& request) {
  if (!ready_) return json_error(503, "not_ready", "loading state from the journal; retry");
  auto with_key = request;
  if (with_key.header("authorization").empty()) {
    // Browsers cannot set headers on a WebSocket: ?key= as for the agents' stream.
    if (auto query = twilio::parse_form(request.query())) {
      if (auto key = query->get("key")) with_key.headers.emplace_back("authorization", "Bearer " + std::string(*key));
    }
  }
  auto who = authenticate(with_key);
  if (!who) return json_error(401, "unauthorized", "missing or invalid API key");
  if (who->role != auth::Role::admin) return json_error(403, "forbidden", "the live board takes an admin key");
  if (auto open = live_watchers_.find(who->org_id); open != live_watchers_.end() && open->second.channels.size() >= kMaxBoardsPerOrg) {
    return json_error(429, "too_many_streams", fmt::format("this org has {} live boards open already", kMaxBoardsPerOrg));
  }
  return server::AcceptChannel([this, org = who->org_id](const std::shared_ptr<server::WebSocketChannel>& channel) {
    std::weak_ptr<server::WebSocketChannel> weak = channel;
    channel->on_message = [weak](std::string_view text) {
      auto self = weak.lock();
      if (!self) return;
      if (text.find(R"("ping")") != std::string_view::npos) return self->send(R"({"type":"pong"})");
      self->send(R"({"type":"error","message":"the live board only listens; it answers a ping"})");
    };
    channel->on_close = [this, org, raw = channel.get()] {
      auto it = live_watchers_.find(org);
      if (it == live_watchers_.end()) return;
      std::erase_if(it->second.channels, [raw](const auto& c) { return c.get() == raw; });
      if (it->second.channels.empty()) live_watchers_.erase(it);
    };
    auto& watchers = live_watchers_[org];
    watchers.channels.push_back(channel);
    watchers.last_board = live_board(org, clock_(), false);
    channel->send(snapshot_message(watchers.last_board, engine_.calls().live_of(org, kSnapshotCalls)));
    if (!live_ticking_ && schedule_) {
      live_ticking_ = true;
      schedule_(kBoardCheck, [this] { live_tick(); });
    }
  });
}

void App::live_event(const events::Event& e) {
  if (live_watchers_.empty()) return;
  auto it = live_watchers_.find(e.org_id);
  if (it == live_watchers_.end()) return;
  const auto message = fmt::format(R"({{"type":"event","event":{}}})", events::to_json(e));
  for (const auto& c : it->second.channels) c->send(message);
}

void App::live_tick() {
  live_ticking_ = false;
  if (live_watchers_.empty()) return;
  const auto now = clock_();
  for (auto& [org, watchers] : live_watchers_) {
    auto board = live_board(org, now, false);
    if (board == watchers.last_board) continue;
    watchers.last_board = std::move(board);
    const auto message = board_message("board", watchers.last_board);
    for (const auto& c : watchers.channels) c->send(message);
  }
  live_ticking_ = true;
  schedule_(kBoardCheck, [this] { live_tick(); });
}

}  // namespace callrouter::app

namespace callrouter::app {

void App::close_live_boards() {
  std::vector<std::shared_ptr<server::WebSocketChannel>> all;
  for (const auto& [org, watchers] : live_watchers_) all.insert(all.end(), watchers.channels.begin(), watchers.channels.end());
  for (const auto& c : all) c->close_going_away();
}

}  // namespace callrouter::app
