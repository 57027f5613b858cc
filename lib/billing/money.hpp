// Money as integer micro-credits (1 credit = 1 USD = 1,000,000 micro): checked arithmetic and
// exact decimal text. Nothing here, or anywhere money flows, touches floating point.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/expected.hpp"

namespace callrouter::billing {

inline constexpr std::int64_t kMicroPerCredit = 1'000'000;
// The largest single amount (top-up, charge, setting) accepted: one billion credits. Keeps every
// sum of a few amounts far from int64 overflow, which is still checked everywhere.
inline constexpr std::int64_t kMaxAmountMicro = 1'000'000'000 * kMicroPerCredit;

// nullopt on overflow.
std::optional<std::int64_t> checked_add(std::int64_t a, std::int64_t b);
std::optional<std::int64_t> checked_sub(std::int64_t a, std::int64_t b);
std::optional<std::int64_t> checked_mul(std::int64_t a, std::int64_t b);

// "1.15" → 1150000, "0.0085" → 8500, "3" → 3000000. Digits, optionally '.' and 1 to 6 digits;
// no sign, exponent, spaces or more than 6 decimals (which would need rounding).
Expected<std::int64_t> parse_credits(std::string_view text);

// 1150000 → "1.15", 8500 → "0.0085", -2000000 → "-2": exact, trailing zeros dropped.
std::string format_credits(std::int64_t micro);

}  // namespace callrouter::billing
