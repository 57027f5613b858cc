// Sends the outbox: each pending delivery through the one async HTTP client, signed (Standard
// Webhooks), in event order per call and endpoint, within each endpoint's concurrency and rate
// limits, retried on the durable schedule, the outcome journaled after every try. Runs on the
// event loop; nothing here ever waits for a receiver, so a slow CRM only slows its own queue.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "common/time.hpp"
#include "outbound/http_client.hpp"
#include "store/journal.hpp"
#include "workflows/delivery.hpp"
#include "workflows/rate_limiter.hpp"
#include "workflows/retry_schedule.hpp"
#include "workflows/workflow.hpp"

namespace callrouter::workflows {

struct RunnerSettings {
  RetryPolicy retry;
  std::chrono::milliseconds timeout{10'000};  // per attempt: connect, send, answer
  int endpoint_concurrency = 4;               // requests in flight per org and endpoint
  double endpoint_rate_per_s = 50;            // per org and endpoint, bursts of the same size
  bool allow_private_networks = false;
};

// What the runner needs from the daemon, passed in so it owns no clock, loop or journal.
struct RunnerWiring {
  std::function<Timestamp()> now;
  std::function<void(std::chrono::milliseconds, std::function<void()>)> schedule;  // run later on the loop
  std::function<outbound::HttpClient*()> http;
  std::function<void(store::WriteSet)> commit;  // journal a delivery's new state (not awaited)
  std::function<const Workflow*(std::string_view org_id, std::string_view workflow_id)> find_workflow;
  std::function<void(const Workflow&)> gone;  // the receiver answered 410: disable the rule
  // The webhook body of a delivery, made from its journaled event; nullopt: the event is gone.
  std::function<std::optional<std::string>(const Delivery&)> body;
  std::function<double()> random;             // uniform in [0, 1): the retry jitter
};

struct RunnerStats {
  std::uint64_t delivered = 0, failed = 0, dead = 0;
  std::uint64_t attempts = 0, retries = 0;  // tries sent; failed tries rescheduled
};

class DeliveryRunner {
 public:
  DeliveryRunner(RunnerSettings settings, RunnerWiring wiring) : settings_(settings), wiring_(std::move(wiring)) {}

  void set_settings(const RunnerSettings& settings) { settings_ = settings; }
  const RunnerSettings& settings() const { return settings_; }

  // A durable pending delivery: queued behind the earlier ones of its call to its endpoint.
  // Call in event order (the committed-event consumer and start-up both do).
  void add(Delivery delivery);
  bool is_pending(std::string_view delivery_id) const { return pending_ids_.contains(std::string(delivery_id)); }

  // One signed request, outside the outbox (POST /v1/workflows/{id}/test).
  void send_once(const Workflow& workflow, std::string webhook_id, std::string body,
                 std::function<void(outbound::OutboundResponse)> done);

  // The signed request of one try (headers per Standard Webhooks), at `now`.
  outbound::OutboundRequest request_for(const Workflow& workflow, std::string_view webhook_id, std::string body,
                                        Timestamp now) const;

  std::size_t pending() const { return pending_ids_.size(); }
  std::optional<Timestamp> oldest_pending() const;  // created_at of the oldest owed delivery
  const RunnerStats& stats() const { return stats_; }

 private:
  // The deliveries of one call to one endpoint, oldest first; only the head is ever in flight.
  struct Chain {
    std::string endpoint;
    std::deque<Delivery> queue;
    bool busy = false;
  };
  struct Endpoint {
    explicit Endpoint(double rate) : limiter(rate, rate) {}
    RateLimiter limiter;
    int in_flight = 0;
    std::deque<std::string> ready;  // chains whose head is due, waiting for a slot or a token
    bool wake_armed = false;
  };

  void schedule_head(const std::string& chain_key, const Chain& chain);
  void arm_timer();
  void pump();
  void drain(const std::string& endpoint_key);
  void send(const std::string& chain_key, Chain& chain, Endpoint& endpoint, Timestamp now);
  void answered(const std::string& chain_key, const outbound::OutboundResponse& response);
  void finish(const std::string& chain_key, Chain& chain);  // the head is final: journal, next
  void persist(const Delivery& d);
  Endpoint& endpoint(const std::string& key);

  RunnerSettings settings_;
  RunnerWiring wiring_;
  RunnerStats stats_;
  std::unordered_map<std::string, Chain> chains_;        // key: endpoint NUL call sid
  std::unordered_map<std::string, Endpoint> endpoints_;  // key: org NUL origin
  std::multimap<Timestamp, std::string> due_;             // chain heads by when they are due
  std::unordered_set<std::string> pending_ids_;
  bool timer_armed_ = false;
  Timestamp timer_at_{};
  std::uint64_t timer_generation_ = 0;
};

}  // namespace callrouter::workflows
