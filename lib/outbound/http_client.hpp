// The one client for outbound HTTP(S) (provider REST API, later CRM webhooks): async on the event
// loop, with a timeout per attempt and retries with exponential backoff for transient failures.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace callrouter::outbound {

struct OutboundRequest {
  std::string method = "POST";
  std::string url;  // http:// or https://
  std::string content_type = "application/x-www-form-urlencoded";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{5'000};  // per attempt
  int max_attempts = 4;
  std::chrono::milliseconds first_backoff{200};  // doubles each retry, with jitter
  // When set, only resolved addresses it accepts are connected to (workflow webhooks refuse
  // private networks this way at every attempt, so a name cannot be re-pointed after the check).
  std::function<bool(const std::string& ip)> address_allowed;
};

struct OutboundResponse {
  int status = 0;      // 0: no HTTP answer (see error)
  std::string body;
  std::string error;   // connection, TLS or timeout failure of the last attempt
  int attempts = 0;
  std::string retry_after;  // the answer's Retry-After header, if any
};

// Connection failures, timeouts, 429 and 5xx are retried; other answers are final.
bool is_retryable(const OutboundResponse& response);

class HttpClient {
 public:
  explicit HttpClient(boost::asio::io_context& io);
  ~HttpClient();
  // `done` runs on the event loop once, with the final answer.
  void send(OutboundRequest request, std::function<void(OutboundResponse)> done);
  std::size_t in_flight() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace callrouter::outbound
