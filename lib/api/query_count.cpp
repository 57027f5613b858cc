#include "api/query_count.hpp"

#include <charconv>

namespace callrouter::api {

std::optional<std::uint64_t> query_count(std::string_view text, std::uint64_t when_absent) {
  if (text.empty()) return when_absent;
  std::uint64_t n = 0;
  // from_chars on an unsigned type takes digits only: no sign, space, exponent or suffix.
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return n;
}

}  // namespace callrouter::api
