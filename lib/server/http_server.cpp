#include "server/http_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <deque>
#include <list>
#include <optional>
#include <unordered_set>

#include "ops/metrics.hpp"
#include "server/response_head.hpp"

namespace callrouter::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

class Session;

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io_, HttpLimits limits_, RequestHandler handler_, ops::HttpMetrics& metrics_,
       UpgradeHandler upgrade_)
      : io(io_),
        acceptor(io_),
        limits(limits_),
        handler(std::move(handler_)),
        upgrade(std::move(upgrade_)),
        metrics(metrics_),
        accept_backoff(io_) {}

  void accept();

  asio::io_context& io;
  tcp::acceptor acceptor;
  HttpLimits limits;
  RequestHandler handler;
  UpgradeHandler upgrade;
  ops::HttpMetrics& metrics;
  std::unordered_set<Session*> sessions;
  // Sessions waiting for a request, the longest waiting first: at the connection limit the first
  // of `waiting_first` (nothing asked yet: an idle attacker, a slowloris) gives way to a new
  // connection, else the first of `waiting_again` (between keep-alive requests).
  std::list<Session*> waiting_first;
  std::list<Session*> waiting_again;
  Session* longest_waiting() const;
  std::size_t evicted = 0;     // sessions closed to make room, not yet destroyed
  std::size_t websockets = 0;  // upgraded connections count toward max_connections too
  std::size_t refusing = 0;    // connections over the limit being told so (BusyRefusal)
  asio::steady_timer accept_backoff;
  bool stopping = false;
};

namespace websocket = beast::websocket;

// One accepted WebSocket: reads text frames into on_message, writes queued frames one at a time.
class WebSocketSession : public WebSocketChannel, public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(beast::tcp_stream&& stream, std::shared_ptr<HttpServer::Impl> server)
      : ws_(std::move(stream)), server_(std::move(server)), give_up_(ws_.get_executor()) {
    ++server_->websockets;
  }
  ~WebSocketSession() override { --server_->websockets; }

  void accept(http::request<http::string_body> request) {
    beast::get_lowest_layer(ws_).expires_never();
    // Pings while idle and a close if the peer stops answering them: dead agents are noticed.
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(64 * 1024);
    ws_.async_accept(request, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->finish();
      self->accepted_ = true;
      if (self->closing_) {
        self->closing_ = false;
        return self->close_with(websocket::close_code::policy_error);
      }
      if (!self->outbox_.empty()) self->write_next();  // what the app sent while we shook hands
      self->read();
    });
  }

  void send(std::string text) override {
    if (closed_ || closing_) return;
    queued_bytes_ += text.size();
    outbox_.push_back(std::move(text));
    if (queued_bytes_ > server_->limits.max_websocket_queue_bytes) return too_slow();
    if (accepted_ && outbox_.size() == 1) write_next();
  }

  void close() override { close_with(websocket::close_code::normal); }
  void close_going_away() override { close_with(websocket::close_code::going_away); }

 private:
  void close_with(websocket::close_code code) {
    if (closed_ || closing_) return;
    closing_ = true;
    // Beast sends the close frame after a write in flight; one that never completes (the peer
    // stopped reading) ends with the close handshake's timeout.
    ws_.async_close(code, [self = shared_from_this()](beast::error_code) { self->finish(); });
  }
  // The peer reads slower than we must send: nothing more is queued (the frame being written
  // stays alive until its write ends) and the connection is closed with 1008. A peer that does
  // not read at all never gets that frame, so the socket is closed outright soon after (else
  // reading would go on until the close handshake's 30 s timeout).
  void too_slow() {
    spdlog::warn("websocket: peer does not read ({} bytes waiting): closing", queued_bytes_);
    drop_unsent();
    if (!accepted_) {
      closing_ = true;  // the handshake's completion closes it
      return;
    }
    close_with(websocket::close_code::policy_error);
    give_up_.expires_after(std::chrono::seconds(2));
    give_up_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec && !self->closed_) beast::get_lowest_layer(self->ws_).close();
    });
  }
  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->finish();
      if (self->on_message && self->ws_.got_text()) {
        auto data = self->buffer_.cdata();
        self->on_message(std::string_view(static_cast<const char*>(data.data()), data.size()));
      }
      self->buffer_.consume(self->buffer_.size());
      self->read();
    });
  }

  // Frees every queued frame except one a write is still reading from.
  void drop_unsent() {
    while (outbox_.size() > (writing_ ? 1u : 0u)) {
      queued_bytes_ -= outbox_.back().size();
      outbox_.pop_back();
    }
  }

  void write_next() {
    ws_.text(true);
    writing_ = true;
    ws_.async_write(asio::buffer(outbox_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->writing_ = false;
      if (ec) return self->finish();
      self->queued_bytes_ -= self->outbox_.front().size();
      self->outbox_.pop_front();
      if (!self->outbox_.empty()) self->write_next();
    });
  }

  void finish() {
    if (closed_) return;
    closed_ = true;
    drop_unsent();
    if (on_close) on_close();
    on_close = nullptr;
    on_message = nullptr;  // breaks the cycle app callbacks -> channel -> callbacks
  }

  websocket::stream<beast::tcp_stream> ws_;
  std::shared_ptr<HttpServer::Impl> server_;
  asio::steady_timer give_up_;  // a peer too slow to take its close frame is cut off
  beast::flat_buffer buffer_;
  std::deque<std::string> outbox_;
  std::size_t queued_bytes_ = 0;
  bool accepted_ = false;
  bool writing_ = false;  // outbox_.front() is being written
  bool closing_ = false;  // a close frame is on its way: nothing more is sent
  bool closed_ = false;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<HttpServer::Impl> server)
      : stream_(std::move(socket)), server_(std::move(server)) {
    server_->sessions.insert(this);
    server_->metrics.connection_opened();
  }
  ~Session() {
    stop_waiting();
    if (evicted_) --server_->evicted;
    server_->sessions.erase(this);
    server_->metrics.connection_closed();
  }

  void start() { read(); }

  // At the connection limit, a session waiting for a request is closed for a new connection
  // (Impl::longest_waiting: one that has asked nothing yet, else an idle keep-alive one), so a
  // connection that holds a place without asking anything (an idle attacker, a slowloris) cannot
  // keep the provider's webhooks out. Closing an idle keep-alive connection is allowed by HTTP; a
  // client then opens a new one.
  void evict() {
    stop_waiting();
    evicted_ = true;
    ++server_->evicted;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  // Called on graceful stop: a connection waiting for its next request closes now.
  void close_if_idle() {
    if (!busy_) {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      stream_.socket().close(ec);
    }
  }

 private:
  void read() {
    if (server_->stopping) return close();
    const auto& limits = server_->limits;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser_->body_limit(limits.max_body_bytes);
    stream_.expires_after(limits.read_timeout);
    waiting_in_ = served_ ? &server_->waiting_again : &server_->waiting_first;
    waiting_at_ = waiting_in_->insert(waiting_in_->end(), this);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    stop_waiting();
    served_ = true;
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
        ec == asio::error::bad_descriptor) {
      return close();
    }
    started_ = std::chrono::steady_clock::now();
    if (ec == http::error::header_limit) {
      return fail(431, "header_too_large", "request header fields are too large");
    }
    if (ec == http::error::body_limit) {
      return fail(413, "body_too_large", "request body is too large");
    }
    if (ec) {
      spdlog::debug("http: bad request: {}", ec.message());
      return fail(400, "bad_request", "malformed HTTP request");
    }

    auto& msg = parser_->get();
    keep_alive_ = msg.keep_alive();
    if (websocket::is_upgrade(msg) && server_->upgrade) return upgrade(parser_->release());
    HttpRequest request;
    request.method = std::string(msg.method_string());
    request.target = std::string(msg.target());
    request.body = std::move(msg.body());
    request.headers.reserve(static_cast<std::size_t>(std::distance(msg.begin(), msg.end())));
    for (const auto& field : msg) {
      request.headers.emplace_back(lower(field.name_string()), std::string(field.value()));
    }
    busy_ = true;
    replied_ = false;
    context_ = RequestContext{};
    // The handler may reply now or later; the reply keeps this session alive until then.
    try {
      server_->handler(std::move(request), context_,
                       [self = shared_from_this()](HttpResponse response) { self->write(std::move(response)); });
    } catch (const std::exception& e) {
      // A bug in one handler answers 500; the daemon keeps serving everyone else.
      spdlog::error("http: handler failed: {}", e.what());
      if (!replied_) write(json_error(500, "internal", "internal error"));
    }
  }

  // Hands the connection to a WebSocket session if the app accepts it; else answers over HTTP.
  void upgrade(http::request<http::string_body> msg) {
    HttpRequest request;
    request.method = std::string(msg.method_string());
    request.target = std::string(msg.target());
    for (const auto& field : msg) request.headers.emplace_back(lower(field.name_string()), std::string(field.value()));
    context_.route = "websocket";
    // A quarter of the connections stay for plain HTTP, so no number of agents' streams can
    // leave the provider's webhooks without a connection.
    if (server_->websockets >= server_->limits.max_connections - server_->limits.max_connections / 4) {
      auto busy = json_error(503, "too_many_streams", "the server takes no more WebSocket streams; retry later");
      busy.headers.emplace_back("Retry-After", "5");
      keep_alive_ = false;
      busy_ = true;
      return write(std::move(busy));
    }
    auto decision = server_->upgrade(request);
    if (auto* refused = std::get_if<HttpResponse>(&decision)) {
      keep_alive_ = false;
      busy_ = true;
      return write(std::move(*refused));
    }
    server_->metrics.on_request("websocket", 101, std::chrono::steady_clock::now() - started_);
    // The TCP stream moves into the WebSocket session; this HTTP session ends here.
    auto channel = std::make_shared<WebSocketSession>(std::move(stream_), server_);
    std::get<AcceptChannel>(decision)(channel);
    channel->accept(std::move(msg));
  }

  void fail(int status, std::string_view code, std::string_view message) {
    keep_alive_ = false;
    busy_ = true;
    write(json_error(status, code, message));
  }

  void write(HttpResponse response) {
    replied_ = true;
    auto latency = std::chrono::steady_clock::now() - started_;
    server_->metrics.on_request(context_.route, response.status, latency);
    if (response.stream) return write_streamed(std::move(response));
    response_keep_alive_ = keep_alive_ && !server_->stopping;
    response_body_ = std::move(response.body);
    write_head(response_head_, response.status, response.content_type, response.headers, response_body_.size(),
               response_keep_alive_);
    stream_.expires_after(std::chrono::seconds(30));
    const std::array<asio::const_buffer, 2> parts{asio::buffer(response_head_), asio::buffer(response_body_)};
    asio::async_write(stream_, parts, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_write(ec);
    });
  }

  // Chunked: the header, then one chunk per piece the source gives (each written before the next
  // is asked for, so memory stays one piece however long the body), then the last chunk.
  void write_streamed(HttpResponse response) {
    stream_head_.emplace();
    auto& head = *stream_head_;
    head.version(11);
    head.result(static_cast<unsigned>(response.status));
    head.set(http::field::server, "callrouter");
    head.set(http::field::content_type, response.content_type);
    for (auto& [k, v] : response.headers) head.set(k, v);
    head.keep_alive(keep_alive_ && !server_->stopping);
    head.chunked(true);
    source_ = std::move(response.stream);
    stream_serializer_.emplace(head);
    stream_.expires_after(std::chrono::seconds(30));
    http::async_write_header(stream_, *stream_serializer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->end_stream(ec);
      self->write_next_chunk();
    });
  }

  void write_next_chunk() {
    if (source_done_) {
      return asio::async_write(stream_, http::make_chunk_last(),
                               [self = shared_from_this()](beast::error_code ec, std::size_t) { self->end_stream(ec); });
    }
    chunk_.clear();
    try {
      source_done_ = !source_(chunk_);
    } catch (const std::exception& e) {
      // Too late for an error status: cut the body short, so the client sees it is incomplete.
      spdlog::error("http: streamed body failed: {}", e.what());
      return end_stream(asio::error::operation_aborted);
    }
    if (chunk_.empty()) {
      // An empty chunk would end the body: ask again, after whatever else the loop has to do.
      return asio::post(stream_.get_executor(), [self = shared_from_this()] { self->write_next_chunk(); });
    }
    stream_.expires_after(std::chrono::seconds(30));
    asio::async_write(stream_, http::make_chunk(asio::buffer(chunk_)), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->end_stream(ec);
      self->write_next_chunk();
    });
  }

  void end_stream(beast::error_code ec) {
    const bool keep = !ec && stream_head_ && stream_head_->keep_alive();
    source_ = nullptr;
    source_done_ = false;
    stream_serializer_.reset();
    stream_head_.reset();
    chunk_.clear();
    chunk_.shrink_to_fit();
    busy_ = false;
    if (!keep) return close();
    read();
  }

  void on_write(beast::error_code ec) {
    busy_ = false;
    response_body_.clear();  // the head buffer keeps its capacity for the next answer
    if (ec || !response_keep_alive_) return close();
    read();
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  void stop_waiting() {
    if (waiting_at_) waiting_in_->erase(*waiting_at_);
    waiting_at_.reset();
  }

  beast::tcp_stream stream_;
  std::shared_ptr<HttpServer::Impl> server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  // The answer being written: its status line and headers (write_head; reused across requests,
  // so no allocation once warm) and its body, sent together in one gathered write.
  std::string response_head_;
  std::string response_body_;
  bool response_keep_alive_ = false;
  // A streamed response (write_streamed): its header, serializer, source and the piece in flight.
  std::optional<http::response<http::empty_body>> stream_head_;
  std::optional<http::response_serializer<http::empty_body>> stream_serializer_;
  BodySource source_;
  std::string chunk_;
  bool source_done_ = false;
  RequestContext context_;
  std::chrono::steady_clock::time_point started_;
  bool keep_alive_ = false;
  bool busy_ = false;
  bool replied_ = false;
  bool evicted_ = false;
  bool served_ = false;  // a request has been read on this connection
  // While reading a request: where this session is in the server's waiting lists.
  std::list<Session*>* waiting_in_ = nullptr;
  std::optional<std::list<Session*>::iterator> waiting_at_;
};

Session* HttpServer::Impl::longest_waiting() const {
  if (!waiting_first.empty()) return waiting_first.front();
  return waiting_again.empty() ? nullptr : waiting_again.front();
}

// A connection over http.max_connections is told so — 503 with Retry-After, then closed — rather
// than reset: the provider then retries or fetches its fallback URL, and a client sees why. The
// request is read and dropped before closing (closing with unread data would send a reset and
// lose the answer), for at most a moment; past kMaxRefusing such connections, they are just closed.
class BusyRefusal : public std::enable_shared_from_this<BusyRefusal> {
 public:
  static constexpr std::size_t kMaxRefusing = 64;
  static constexpr auto kLinger = std::chrono::milliseconds(500);

  BusyRefusal(tcp::socket socket, std::shared_ptr<HttpServer::Impl> server)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), server_(std::move(server)) {
    ++server_->refusing;
  }
  ~BusyRefusal() { --server_->refusing; }

  void start() {
    static constexpr std::string_view kAnswer =
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\n"
        "Content-Type: application/json\r\nContent-Length: 91\r\n\r\n"
        "{\"error\":{\"code\":\"too_many_connections\",\"message\":\"the server is at its connection limit\"}}";
    static_assert(kAnswer.size() - kAnswer.find("\r\n\r\n") - 4 == 91);
    timer_.expires_after(kLinger);
    timer_.async_wait([self = shared_from_this()](beast::error_code) {
      beast::error_code ignored;
      self->socket_.close(ignored);
    });
    asio::async_write(socket_, asio::buffer(kAnswer.data(), kAnswer.size()),
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) {
                          self->timer_.cancel();
                          return;
                        }
                        beast::error_code ignored;
                        self->socket_.shutdown(tcp::socket::shutdown_send, ignored);
                        self->drain();
                      });
  }

 private:
  void drain() {
    socket_.async_read_some(asio::buffer(scratch_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        self->timer_.cancel();  // the client closed (or the timer did)
        return;
      }
      self->drain();
    });
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  std::shared_ptr<HttpServer::Impl> server_;
  std::array<char, 1024> scratch_{};
};

void HttpServer::Impl::accept() {
  acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) return;
      // Out of descriptors (EMFILE) fails every accept at once: pause instead of spinning.
      spdlog::warn("http: accept failed: {}; pausing accepts for 100 ms", ec.message());
      self->accept_backoff.expires_after(std::chrono::milliseconds(100));
      self->accept_backoff.async_wait([self](beast::error_code wait_ec) {
        if (!wait_ec && !self->stopping) self->accept();
      });
      return;
    } else if (self->sessions.size() - self->evicted + self->websockets >= self->limits.max_connections &&
               self->longest_waiting() != nullptr) {
      self->metrics.connection_evicted();
      self->longest_waiting()->evict();
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<Session>(std::move(socket), self)->start();
    } else if (self->sessions.size() - self->evicted + self->websockets >= self->limits.max_connections) {
      // Every place is serving a request or a stream: refuse at once rather than queue unbounded work.
      self->metrics.on_request("connection_limit", 503, std::chrono::nanoseconds(0));
      if (self->refusing < BusyRefusal::kMaxRefusing) {
        std::make_shared<BusyRefusal>(std::move(socket), self)->start();
      } else {
        beast::error_code ignored;
        socket.close(ignored);
      }
    } else {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<Session>(std::move(socket), self)->start();
    }
    if (!self->stopping) self->accept();
  });
}

HttpServer::HttpServer(asio::io_context& io, HttpLimits limits, RequestHandler handler,
                       ops::HttpMetrics& metrics, UpgradeHandler upgrade)
    : impl_(std::make_shared<Impl>(io, limits, std::move(handler), metrics, std::move(upgrade))) {}

HttpServer::~HttpServer() = default;

Expected<Ok> HttpServer::listen(const std::string& address, std::uint16_t port) {
  beast::error_code ec;
  auto addr = asio::ip::make_address(address, ec);
  if (ec) return unexpected(fmt::format("listen.address '{}': {}", address, ec.message()));
  tcp::endpoint endpoint(addr, port);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return unexpected(fmt::format("cannot listen on {}:{}: {}", address, port, ec.message()));
  return Ok{};
}

std::uint16_t HttpServer::port() const {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void HttpServer::start() { impl_->accept(); }

void HttpServer::stop() {
  impl_->stopping = true;
  beast::error_code ec;
  impl_->acceptor.close(ec);
  // Copy: closing a session may destroy it, which erases it from the set.
  std::vector<Session*> sessions(impl_->sessions.begin(), impl_->sessions.end());
  for (auto* s : sessions) s->close_if_idle();
}

std::size_t HttpServer::open_connections() const { return impl_->sessions.size(); }
std::size_t HttpServer::open_websockets() const { return impl_->websockets; }

void HttpServer::set_limits(const HttpLimits& limits) { impl_->limits = limits; }

}  // namespace callrouter::server
