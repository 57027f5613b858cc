// Shared by the libFuzzer targets: the input as text, a check that stops the run with the
// property that failed (libFuzzer keeps the input as a crash artifact), and splitting one input
// into several fields so one target can fuzz related parsers together.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace callrouter::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A property of the code under test, checked on every input (not assert: NDEBUG builds keep it).
inline void require(bool holds, const char* property) {
  if (holds) return;
  std::fprintf(stderr, "property failed: %s\n", property);
  std::abort();
}

// `count` fields separated by NUL bytes; missing ones are empty.
inline std::vector<std::string_view> split_fields(std::string_view text, std::size_t count) {
  std::vector<std::string_view> fields;
  for (std::size_t i = 0; i + 1 < count; ++i) {
    const auto at = text.find('\0');
    if (at == std::string_view::npos) break;
    fields.push_back(text.substr(0, at));
    text.remove_prefix(at + 1);
  }
  fields.push_back(text);
  fields.resize(count);
  return fields;
}

}  // namespace callrouter::fuzz
