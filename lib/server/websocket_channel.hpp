// A WebSocket connection as the app sees it: send text, close, and callbacks for what arrives.
// The server owns the socket (Beast); the app never touches Asio.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "server/http_message.hpp"

namespace callrouter::server {

class WebSocketChannel {
 public:
  virtual ~WebSocketChannel() = default;
  // Queued and sent in order; dropped once the connection is closed.
  virtual void send(std::string text) = 0;
  virtual void close() = 0;
  // The server is going away (close code 1001): the client should reconnect elsewhere or later.
  virtual void close_going_away() = 0;

  // Set by the app when it accepts the connection; called on the event-loop thread.
  std::function<void(std::string_view text)> on_message;
  std::function<void()> on_close;
};

// Decides about a WebSocket upgrade request: a response refuses it (401, 404, ...); a function
// accepts it and is given the channel to set its callbacks on and keep.
using AcceptChannel = std::function<void(const std::shared_ptr<WebSocketChannel>&)>;
using UpgradeDecision = std::variant<HttpResponse, AcceptChannel>;
using UpgradeHandler = std::function<UpgradeDecision(const HttpRequest&)>;

}  // namespace callrouter::server
