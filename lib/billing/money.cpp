#include "billing/money.hpp"

#include <fmt/format.h>

namespace callrouter::billing {

std::optional<std::int64_t> checked_add(std::int64_t a, std::int64_t b) {
  std::int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

std::optional<std::int64_t> checked_sub(std::int64_t a, std::int64_t b) {
  std::int64_t r;
  if (__builtin_sub_overflow(a, b, &r)) return std::nullopt;
  return r;
}

std::optional<std::int64_t> checked_mul(std::int64_t a, std::int64_t b) {
  std::int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

Expected<std::int64_t> parse_credits(std::string_view text) {
  auto fail = [&](std::string_view why) {
    return unexpected(fmt::format("\"{}\" is not an amount of credits: {}", text.substr(0, 40), why));
  };
  auto dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (whole.empty()) return fail("expected digits before the decimal point");
  if (dot != std::string_view::npos && frac.empty()) return fail("expected digits after the decimal point");
  if (frac.size() > 6) return fail("more than 6 decimals (micro-credits are the smallest unit)");
  std::int64_t micro = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return fail("only digits and one '.' are allowed");
    auto next = checked_mul(micro, 10);
    if (next) next = checked_add(*next, (c - '0') * kMicroPerCredit);
    if (!next) return fail("too large");
    micro = *next;
  }
  std::int64_t scale = kMicroPerCredit / 10;
  for (char c : frac) {
    if (c < '0' || c > '9') return fail("only digits and one '.' are allowed");
    // The fraction adds < 1,000,000, which still overflows a whole part near INT64_MAX
    // ("9223372036854.775808"; found by UBSan in make test-sanitize).
    auto next = checked_add(micro, (c - '0') * scale);
    if (!next) return fail("too large");
    micro = *next;
    scale /= 10;
  }
  return micro;
}

std::string format_credits(std::int64_t micro) {
  // Work in unsigned so that INT64_MIN has a magnitude.
  bool negative = micro < 0;
  std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(micro) : static_cast<std::uint64_t>(micro);
  std::uint64_t whole = magnitude / kMicroPerCredit;
  std::uint64_t frac = magnitude % kMicroPerCredit;
  std::string out = fmt::format("{}{}", negative ? "-" : "", whole);
  if (frac != 0) {
    std::string digits = fmt::format("{:06}", frac);
    while (digits.back() == '0') digits.pop_back();
    out += '.';
    out += digits;
  }
  return out;
}

}  // namespace callrouter::billing
