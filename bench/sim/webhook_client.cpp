#include "sim/webhook_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <charconv>
#include <optional>

namespace callrouter::sim {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// Case-insensitive search for a header's value in a raw header block.
std::optional<std::string_view> header_value(std::string_view head, std::string_view lower_name) {
  std::size_t pos = head.find("\r\n");
  while (pos != std::string_view::npos && pos + 2 < head.size()) {
    auto line_start = pos + 2;
    auto line_end = head.find("\r\n", line_start);
    auto line = head.substr(line_start, (line_end == std::string_view::npos ? head.size() : line_end) - line_start);
    auto colon = line.find(':');
    if (colon == lower_name.size()) {
      bool same = true;
      for (std::size_t i = 0; i < colon && same; ++i) {
        char c = line[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        same = c == lower_name[i];
      }
      if (same) {
        auto v = line.substr(colon + 1);
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
        return v;
      }
    }
    pos = line_end;
  }
  return std::nullopt;
}

}  // namespace

// One keep-alive connection, one request at a time (the provider does not pipeline). The
// response parser handles what Beast servers send: a status line, headers, Content-Length.
class WebhookClient::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(WebhookClient& owner) : owner_(owner), socket_(owner.io_) {}

  void connect() {
    boost::system::error_code ec;
    socket_.close(ec);
    socket_ = tcp::socket(owner_.io_);
    socket_.connect(owner_.target_, ec);
    if (!ec) socket_.set_option(tcp::no_delay(true), ec);
    open_ = !ec;
    used_ = false;
    buffer_.clear();
  }

  void start(Webhook w) {
    current_ = std::move(w);
    retried_ = false;
    send_current();
  }

  void send_current() {
    if (!open_) connect();
    if (!open_) {
      // Later, not now: a dead server would otherwise fail the whole queue in one deep recursion.
      return asio::post(owner_.io_, [self = shared_from_this()] { self->fail(); });
    }
    asio::async_write(socket_, asio::buffer(current_.bytes),
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        if (ec) return self->fail();
                        self->read();
                      });
  }

  void close() {
    boost::system::error_code ec;
    socket_.close(ec);
    open_ = false;
  }

 private:
  void read() {
    if (try_parse()) return;
    const auto old = buffer_.size();
    buffer_.resize(old + 16384);
    socket_.async_read_some(asio::buffer(buffer_.data() + old, 16384),
                            [self = shared_from_this(), old](boost::system::error_code ec, std::size_t n) {
                              self->buffer_.resize(old + n);
                              if (ec) return self->fail();
                              self->read();
                            });
  }

  // True once a whole response was parsed and delivered.
  bool try_parse() {
    std::string_view data(buffer_);
    auto head_end = data.find("\r\n\r\n");
    if (head_end == std::string_view::npos) return false;
    auto head = data.substr(0, head_end);
    std::size_t length = 0;
    if (auto cl = header_value(head, "content-length")) std::from_chars(cl->data(), cl->data() + cl->size(), length);
    const auto total = head_end + 4 + length;
    if (data.size() < total) return false;
    int status = 0;
    if (head.size() > 12) std::from_chars(head.data() + 9, head.data() + 12, status);
    bool keep = true;
    if (auto conn = header_value(head, "connection"); conn && (*conn == "close" || *conn == "Close")) keep = false;
    WebhookResult r;
    r.status = status;
    r.body.assign(data.substr(head_end + 4, length));
    buffer_.erase(0, total);
    used_ = true;
    if (!keep) close();
    deliver(std::move(r));
    return true;
  }

  void fail() {
    const bool stale = open_ && used_ && buffer_.empty() && !retried_;
    close();
    if (stale) {
      // The server closed this idle keep-alive connection (its read timeout) as we reused it:
      // like any HTTP client, open a new one and send again, once. The clock keeps running.
      retried_ = true;
      return send_current();
    }
    deliver(WebhookResult{});
  }

  void deliver(WebhookResult r) {
    auto w = std::move(current_);
    owner_.finished(*this, w, std::move(r));
  }

  WebhookClient& owner_;
  tcp::socket socket_;
  bool open_ = false;
  bool used_ = false;     // answered at least once: a failure now may be a stale keep-alive
  bool retried_ = false;  // the current request was already resent once
  std::string buffer_;
  Webhook current_;
};

WebhookClient::WebhookClient(asio::io_context& io, tcp::endpoint target, std::size_t connections, std::size_t routes)
    : io_(io), target_(std::move(target)), histograms_(routes) {
  for (std::size_t i = 0; i < connections; ++i) {
    connections_.push_back(std::make_shared<Connection>(*this));
    idle_.push_back(connections_.back().get());
  }
}

WebhookClient::~WebhookClient() {
  for (auto& c : connections_) c->close();
}

void WebhookClient::connect_all() {
  for (auto& c : connections_) c->connect();
}

void WebhookClient::send(Webhook w) {
  ++sent_;
  ++in_flight_;
  if (idle_.empty()) {
    queue_.push_back(std::move(w));
    return;
  }
  auto* c = idle_.back();
  idle_.pop_back();
  c->start(std::move(w));
}

void WebhookClient::set_window(Clock::time_point from, Clock::time_point to) {
  window_from_ = from;
  window_to_ = to;
}

LatencyHistogram WebhookClient::merged() const {
  LatencyHistogram all;
  for (const auto& h : histograms_) all.merge(h);
  return all;
}

void WebhookClient::reset_counters() {
  for (auto& h : histograms_) h.clear();
  sent_ = completed_ = completed_in_window_ = errors_ = non_2xx_ = 0;
}

void WebhookClient::record_unanswered(Clock::time_point now) {
  auto count = [&](const Webhook& w) {
    if (w.intended >= window_from_ && w.intended < window_to_) {
      histograms_[static_cast<std::size_t>(w.route)].record((now - w.intended).count());
      ++errors_;
    }
  };
  for (const auto& w : queue_) count(w);
  // Requests on the wire are not reachable here; the caller waits for them before calling this.
}

void WebhookClient::shutdown() {
  stopping_ = true;
  queue_.clear();
  for (auto& c : connections_) c->close();
}

void WebhookClient::finished(Connection& c, Webhook& w, WebhookResult r) {
  if (stopping_) return;
  const auto now = Clock::now();
  r.latency_ns = (now - w.intended).count();
  --in_flight_;
  ++completed_;
  last_completion_ = now;
  if (r.status == 0) ++errors_;
  else if (r.status < 200 || r.status >= 300) ++non_2xx_;
  if (w.intended >= window_from_ && w.intended < window_to_) {
    histograms_[static_cast<std::size_t>(w.route)].record(r.latency_ns);
    ++completed_in_window_;
  }
  // Hand the connection the next queued request before running the continuation, so FIFO holds.
  if (!queue_.empty()) {
    auto next = std::move(queue_.front());
    queue_.pop_front();
    c.start(std::move(next));
  } else {
    idle_.push_back(&c);
  }
  if (w.done) w.done(std::move(r));
}

}  // namespace callrouter::sim
