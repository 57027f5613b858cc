// The HTTP/1.1 server edge on Beast: accepts, reads with limits, hands each request to a handler
// and writes its reply. I/O only — what a request means is the handler's business.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/expected.hpp"
#include "config/config.hpp"
#include "server/http_message.hpp"
#include "server/websocket_channel.hpp"

namespace boost::asio {
class io_context;
}

namespace callrouter::ops {
class HttpMetrics;
}

namespace callrouter::server {

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, HttpLimits limits, RequestHandler handler,
             ops::HttpMetrics& metrics, UpgradeHandler upgrade = {});
  ~HttpServer();

  // Binds and listens; port 0 picks a free port (see port()).
  Expected<Ok> listen(const std::string& address, std::uint16_t port);
  std::uint16_t port() const;
  void start();
  // Graceful stop: no new connections; idle connections close now, busy ones after their reply.
  void stop();
  std::size_t open_connections() const;  // HTTP sessions (requests may be in flight)
  std::size_t open_websockets() const;
  // Limits apply to requests read from now on (SIGHUP reload).
  void set_limits(const HttpLimits& limits);

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace callrouter::server
