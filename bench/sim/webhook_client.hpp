// The provider's side of HTTP: a pool of keep-alive connections to the daemon (or the bare
// server) that sends pre-serialized requests and times each one from its *intended* send time,
// so a server that falls behind shows as latency (no coordinated omission).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/latency_histogram.hpp"

namespace callrouter::sim {

using Clock = std::chrono::steady_clock;

struct WebhookResult {
  int status = 0;      // 0: the connection failed
  std::string body;
  std::int64_t latency_ns = 0;  // from the intended send time
};

struct Webhook {
  Clock::time_point intended;
  std::string bytes;  // a complete HTTP/1.1 request
  int route = 0;      // index into the client's histograms
  std::function<void(WebhookResult)> done;  // optional
};

class WebhookClient {
 public:
  WebhookClient(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint target, std::size_t connections,
                std::size_t routes);
  ~WebhookClient();
  // Opens every connection now (blocking): connection set-up is not what is measured.
  void connect_all();
  // Sends at once on an idle connection, or queues FIFO behind busy ones (still timed from
  // `intended`). Never blocks.
  void send(Webhook w);

  // Only requests whose intended time is within [from, to) count toward the histograms.
  void set_window(Clock::time_point from, Clock::time_point to);
  const LatencyHistogram& histogram(int route) const { return histograms_[static_cast<std::size_t>(route)]; }
  LatencyHistogram merged() const;
  std::uint64_t sent() const { return sent_; }
  std::uint64_t completed() const { return completed_; }
  std::uint64_t completed_in_window() const { return completed_in_window_; }
  std::uint64_t errors() const { return errors_; }      // transport failures
  std::uint64_t non_2xx() const { return non_2xx_; }
  std::size_t in_flight() const { return in_flight_; }
  std::size_t queued() const { return queue_.size(); }
  Clock::time_point last_completion() const { return last_completion_; }
  // Requests still unanswered count as answered now: a stuck server cannot hide its tail.
  void record_unanswered(Clock::time_point now);
  void reset_counters();
  // Drops what is queued, closes every connection and stops calling continuations.
  void shutdown();

  class Connection;

 private:
  friend class Connection;
  void finished(Connection& c, Webhook& w, WebhookResult r);

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::endpoint target_;
  std::vector<std::shared_ptr<Connection>> connections_;
  std::vector<Connection*> idle_;
  std::deque<Webhook> queue_;
  std::vector<LatencyHistogram> histograms_;
  Clock::time_point window_from_{}, window_to_ = Clock::time_point::max();
  std::uint64_t sent_ = 0, completed_ = 0, completed_in_window_ = 0, errors_ = 0, non_2xx_ = 0;
  std::size_t in_flight_ = 0;
  bool stopping_ = false;
  Clock::time_point last_completion_{};
};

}  // namespace callrouter::sim
