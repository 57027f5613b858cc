#include "sim/latency_histogram.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>

namespace callrouter::sim {

int LatencyHistogram::index_of(std::uint64_t v) {
  if (v < kSub) return static_cast<int>(v);
  const int msb = 63 - std::countl_zero(v);          // >= kSubBits
  const int shift = msb - kSubBits;                  // keeps kSubBits+1 significant bits
  const auto mantissa = static_cast<int>(v >> shift);  // in [kSub, 2*kSub)
  return (shift + 1) * kSub + (mantissa - kSub);
}

std::int64_t LatencyHistogram::value_of(int index) {
  if (index < kSub) return index;
  const int shift = index / kSub - 1;
  const std::int64_t mantissa = kSub + index % kSub;
  // The bucket's upper edge: percentiles never flatter the result.
  return ((mantissa + 1) << shift) - 1;
}

void LatencyHistogram::record(std::int64_t ns) {
  if (ns < 0) ns = 0;
  const int i = index_of(static_cast<std::uint64_t>(ns));
  ++counts_[static_cast<std::size_t>(std::min(i, kBuckets - 1))];
  ++count_;
  sum_ += static_cast<double>(ns);
  if (ns > max_) max_ = ns;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
}

std::int64_t LatencyHistogram::percentile_ns(double q) const {
  if (count_ == 0) return 0;
  auto rank = static_cast<std::uint64_t>(q * static_cast<double>(count_) + 0.5);
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += counts_[static_cast<std::size_t>(i)];
    if (seen >= rank) return std::min(value_of(i), max_);
  }
  return max_;
}

std::string describe_us(const LatencyHistogram& h) {
  auto us = [&](double q) { return static_cast<double>(h.percentile_ns(q)) / 1000.0; };
  return fmt::format("n={} p50={:.0f} p90={:.0f} p99={:.0f} p99.9={:.0f} max={:.0f} µs", h.count(), us(0.5), us(0.9),
                     us(0.99), us(0.999), static_cast<double>(h.max_ns()) / 1000.0);
}

}  // namespace callrouter::sim
