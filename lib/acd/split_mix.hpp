// The pool's own pseudo-random generator (SplitMix64): `random` selection is reproducible from a
// seed on every platform, which std:: distributions do not promise.
#pragma once

#include <cstdint>

namespace callrouter::acd {

class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  // Uniform in [0, n) for n > 0: Lemire's multiply-shift with rejection, so no modulo bias.
  std::uint32_t below(std::uint32_t n) {
    std::uint64_t m = std::uint64_t{high32()} * n;
    auto low = static_cast<std::uint32_t>(m);
    if (low < n) {
      const std::uint32_t threshold = static_cast<std::uint32_t>(-n) % n;
      while (low < threshold) {
        m = std::uint64_t{high32()} * n;
        low = static_cast<std::uint32_t>(m);
      }
    }
    return static_cast<std::uint32_t>(m >> 32);
  }

 private:
  std::uint32_t high32() { return static_cast<std::uint32_t>(next() >> 32); }
  std::uint64_t state_;
};

}  // namespace callrouter::acd
