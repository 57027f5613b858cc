// Time as values: pure code receives `Timestamp now` instead of reading a clock.
// RFC 3339 UTC text is what the API and stored records use.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace callrouter {

using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

inline Timestamp system_now() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

// "2026-11-23T20:27:05Z" (seconds precision; sub-second digits only when non-zero, as .ffffff)
std::string format_rfc3339(Timestamp t);
std::optional<Timestamp> parse_rfc3339(std::string_view s);
// The provider's Timestamp field: "Mon, 16 Aug 2010 03:45:01 +0000" (RFC 2822, numeric zone).
std::optional<Timestamp> parse_rfc2822(std::string_view s);

}  // namespace callrouter
