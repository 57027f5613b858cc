#include "outbound/http_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <spdlog/spdlog.h>

#include <random>

namespace callrouter::outbound {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

bool is_retryable(const OutboundResponse& r) { return r.status == 0 || r.status == 429 || r.status >= 500; }

namespace {

struct Url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;
};

bool parse_url(std::string_view url, Url& out) {
  if (url.starts_with("https://")) {
    out.tls = true;
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else {
    return false;
  }
  auto slash = url.find('/');
  auto authority = url.substr(0, slash);
  out.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  auto colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
    out.host = std::string(authority.substr(0, colon));
    out.port = std::string(authority.substr(colon + 1));
  } else {
    out.host = std::string(authority);
    out.port = out.tls ? "443" : "80";
  }
  return !out.host.empty();
}

}  // namespace

struct HttpClient::Impl : std::enable_shared_from_this<HttpClient::Impl> {
  explicit Impl(asio::io_context& io_) : io(io_), tls(ssl::context::tls_client), rng(std::random_device{}()) {
    tls.set_default_verify_paths();
    tls.set_verify_mode(ssl::verify_peer);
  }
  asio::io_context& io;
  ssl::context tls;
  std::mt19937 rng;
  std::size_t in_flight = 0;
};

namespace {

// One request through all its attempts. Plain and TLS streams share the code via a template.
class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(std::shared_ptr<HttpClient::Impl> client, OutboundRequest request, std::function<void(OutboundResponse)> done)
      : client_(std::move(client)), request_(std::move(request)), done_(std::move(done)), resolver_(client_->io),
        timer_(client_->io) {}

  void start() {
    ++client_->in_flight;
    if (!parse_url(request_.url, url_)) return finish({0, {}, "bad URL: " + request_.url, 0, {}});
    attempt();
  }

 private:
  void attempt() {
    ++attempts_;
    resolver_.async_resolve(url_.host, url_.port, [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
      if (ec) return self->failed("resolve: " + ec.message());
      if (self->request_.address_allowed) {
        std::vector<tcp::endpoint> allowed;
        for (const auto& entry : results) {
          if (self->request_.address_allowed(entry.endpoint().address().to_string())) allowed.push_back(entry.endpoint());
        }
        if (allowed.empty()) return self->finish({0, {}, "refused: " + self->url_.host + " resolves to a non-public address", 0, {}});
        results = tcp::resolver::results_type::create(allowed.begin(), allowed.end(), self->url_.host, self->url_.port);
      }
      if (self->url_.tls) {
        auto stream = std::make_shared<beast::ssl_stream<beast::tcp_stream>>(self->client_->io, self->client_->tls);
        if (!SSL_set_tlsext_host_name(stream->native_handle(), self->url_.host.c_str())) return self->failed("TLS SNI");
        stream->set_verify_callback(ssl::host_name_verification(self->url_.host));
        beast::get_lowest_layer(*stream).expires_after(self->request_.timeout);
        beast::get_lowest_layer(*stream).async_connect(results, [self, stream](beast::error_code ec2, const tcp::endpoint&) {
          if (ec2) return self->failed("connect: " + ec2.message());
          stream->async_handshake(ssl::stream_base::client, [self, stream](beast::error_code ec3) {
            if (ec3) return self->failed("TLS: " + ec3.message());
            self->exchange(stream);
          });
        });
      } else {
        auto stream = std::make_shared<beast::tcp_stream>(self->client_->io);
        stream->expires_after(self->request_.timeout);
        stream->async_connect(results, [self, stream](beast::error_code ec2, const tcp::endpoint&) {
          if (ec2) return self->failed("connect: " + ec2.message());
          self->exchange(stream);
        });
      }
    });
  }

  template <class Stream>
  void exchange(std::shared_ptr<Stream> stream) {
    auto req = std::make_shared<http::request<http::string_body>>(
        http::string_to_verb(request_.method), url_.target, 11);
    req->set(http::field::host, url_.host);
    req->set(http::field::user_agent, "callrouter");
    if (!request_.content_type.empty()) req->set(http::field::content_type, request_.content_type);
    for (const auto& [k, v] : request_.headers) req->set(k, v);
    req->body() = request_.body;
    req->prepare_payload();
    http::async_write(*stream, *req, [self = shared_from_this(), stream, req](beast::error_code ec, std::size_t) {
      if (ec) return self->failed("write: " + ec.message());
      auto buffer = std::make_shared<beast::flat_buffer>();
      auto res = std::make_shared<http::response<http::string_body>>();
      http::async_read(*stream, *buffer, *res, [self, stream, buffer, res](beast::error_code ec2, std::size_t) {
        if (ec2) return self->failed("read: " + ec2.message());
        OutboundResponse out{static_cast<int>(res->result_int()), std::move(res->body()), {}, self->attempts_, {}};
        if (auto it = res->find(http::field::retry_after); it != res->end()) out.retry_after = std::string(it->value());
        if (is_retryable(out)) return self->retry_or_finish(std::move(out));
        self->finish(std::move(out));
      });
    });
  }

  void failed(std::string error) { retry_or_finish({0, {}, std::move(error), attempts_, {}}); }

  void retry_or_finish(OutboundResponse last) {
    if (attempts_ >= request_.max_attempts) return finish(std::move(last));
    // Exponential backoff with full jitter, so retries from many calls do not arrive together.
    auto ceiling = request_.first_backoff * (1 << (attempts_ - 1));
    std::uniform_int_distribution<long> pick(ceiling.count() / 2, ceiling.count());
    timer_.expires_after(std::chrono::milliseconds(pick(client_->rng)));
    spdlog::debug("outbound {} {}: attempt {} failed ({}), retrying", request_.method, request_.url, attempts_,
                  last.status ? std::to_string(last.status) : last.error);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->finish({0, {}, "cancelled", self->attempts_, {}});
      self->attempt();
    });
  }

  void finish(OutboundResponse response) {
    response.attempts = attempts_;
    --client_->in_flight;
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) done(std::move(response));
  }

  std::shared_ptr<HttpClient::Impl> client_;
  OutboundRequest request_;
  std::function<void(OutboundResponse)> done_;
  Url url_;
  tcp::resolver resolver_;
  asio::steady_timer timer_;
  int attempts_ = 0;
};

}  // namespace

HttpClient::HttpClient(asio::io_context& io) : impl_(std::make_shared<Impl>(io)) {}
HttpClient::~HttpClient() = default;

void HttpClient::send(OutboundRequest request, std::function<void(OutboundResponse)> done) {
  std::make_shared<Exchange>(impl_, std::move(request), std::move(done))->start();
}

std::size_t HttpClient::in_flight() const { return impl_->in_flight; }

}  // namespace callrouter::outbound
