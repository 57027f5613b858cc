#include "media/mulaw.hpp"

#include <array>

namespace callrouter::media {
namespace {

constexpr std::int16_t expand(std::uint8_t u) {
  const int v = ~u & 0xFF;
  const int sign = v & 0x80;
  const int exponent = (v >> 4) & 0x07;
  const int mantissa = v & 0x0F;
  const int magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
  return static_cast<std::int16_t>(sign ? -magnitude : magnitude);
}

constexpr auto kLinear = [] {
  std::array<std::int16_t, 256> t{};
  for (int i = 0; i < 256; ++i) t[static_cast<std::size_t>(i)] = expand(static_cast<std::uint8_t>(i));
  return t;
}();

constexpr auto kSquare = [] {
  std::array<std::int64_t, 256> t{};
  for (int i = 0; i < 256; ++i) {
    const std::int64_t x = kLinear[static_cast<std::size_t>(i)];
    t[static_cast<std::size_t>(i)] = x * x;
  }
  return t;
}();

}  // namespace

std::int16_t mulaw_to_linear(std::uint8_t sample) { return kLinear[sample]; }

double mean_square(std::span<const std::uint8_t> mulaw) {
  if (mulaw.empty()) return 0;
  std::int64_t sum = 0;
  for (auto s : mulaw) sum += kSquare[s];
  return static_cast<double>(sum) / static_cast<double>(mulaw.size());
}

}  // namespace callrouter::media
