// A fixed-size latency histogram (log-linear buckets, < 1% relative error) that records
// nanoseconds in O(1) and answers percentiles: the simulator keeps one per route and target.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace callrouter::sim {

class LatencyHistogram {
 public:
  void record(std::int64_t ns);
  void merge(const LatencyHistogram& other);
  void clear() { *this = LatencyHistogram{}; }

  std::uint64_t count() const { return count_; }
  std::int64_t max_ns() const { return max_; }
  double mean_ns() const { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }
  // The smallest recorded bucket value v with at least q of the samples <= v (q in [0,1]).
  std::int64_t percentile_ns(double q) const;

 private:
  // 128 sub-buckets per power of two: values below 128 ns are exact, above within 1/128.
  static constexpr int kSubBits = 7;
  static constexpr int kSub = 1 << kSubBits;
  static constexpr int kBuckets = (64 - kSubBits) * kSub;
  static int index_of(std::uint64_t v);
  static std::int64_t value_of(int index);

  std::array<std::uint32_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  std::int64_t max_ = 0;
  double sum_ = 0;
};

// "p50 … max" in microseconds, for log lines.
std::string describe_us(const LatencyHistogram& h);

}  // namespace callrouter::sim
