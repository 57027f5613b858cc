// HTTP server metrics (request counts, latency histogram, connections, values other modules
// publish) rendered as Prometheus text exposition format 0.0.4 for GET /metrics.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace callrouter::ops {

// Not thread-safe, on purpose: the event loop that serves HTTP owns it, so plain integers suffice
// and recording a request costs a few comparisons and increments. Several loops would each need
// their own HttpMetrics; never share one across threads.
class HttpMetrics {
 public:
  // Upper bounds of the latency histogram, in nanoseconds (+Inf is implicit).
  static constexpr std::array<std::int64_t, 13> kBucketBoundsNs = {
      50'000,     100'000,    250'000,    500'000,     1'000'000,   2'500'000,    5'000'000,
      10'000'000, 25'000'000, 50'000'000, 100'000'000, 250'000'000, 1'000'000'000};
  // Distinct routes kept; later new routes are counted as "other" so a caller passing raw
  // paths cannot grow memory and series without bound.
  static constexpr std::size_t kMaxRoutes = 64;

  // route is a small fixed label such as "/twilio/voice" or "other". Allocates only the first
  // time a route, or a status on that route, is seen.
  void on_request(std::string_view route, int status, std::chrono::nanoseconds latency);

  void connection_opened();
  void connection_closed();
  void connection_evicted();  // an idle connection closed at the limit for a new one

  // Publishes or updates a gauge owned by another module (e.g. journal queue depth). Returns
  // false, changing nothing, when name is not a valid metric name, is one of ours, or was
  // published as a counter.
  bool set_gauge(std::string_view name, std::string_view help, double value);
  // The same for a monotonic count another module keeps (e.g. journal commits; by convention
  // its name ends in _total). Also false for a negative or NaN value.
  bool set_counter(std::string_view name, std::string_view help, double value);

  std::string render() const;

 private:
  struct RouteStats {
    std::string route;
    std::vector<std::pair<int, std::uint64_t>> status_counts;  // few per route: linear search
    // Per bucket, not cumulative (render() sums them); the last one is +Inf.
    std::array<std::uint64_t, kBucketBoundsNs.size() + 1> bucket_counts{};
    std::uint64_t count = 0;
    std::uint64_t sum_ns = 0;  // integer so the rendered sum is exact
  };
  // A value another module publishes as a whole; rendered after the HTTP families.
  struct External {
    std::string name;
    std::string help;
    double value = 0;
    bool counter = false;
  };

  RouteStats& route_stats(std::string_view route);
  bool set_external(std::string_view name, std::string_view help, double value, bool counter);

  std::vector<RouteStats> routes_;
  std::vector<External> externals_;
  std::int64_t open_connections_ = 0;
  std::uint64_t connections_total_ = 0;
  std::uint64_t evicted_total_ = 0;
};

// Escapes a label value per the text format: backslash, double quote and newline.
std::string escape_label_value(std::string_view value);

}  // namespace callrouter::ops
