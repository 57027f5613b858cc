// A count in a query string (?limit=, ?after=): every character a digit, or absent. `2abc`,
// `1e3`, `-1`, `+5` and ` 5` are refused (400), never read as far as they go.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace callrouter::api {

std::optional<std::uint64_t> query_count(std::string_view text, std::uint64_t when_absent);

}  // namespace callrouter::api
