// Fixed-width big-endian integers in keys: they sort as the numbers do (times, seqs, slots).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace callrouter::store {

inline void append_be64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

// `s` holds at least 8 bytes.
inline std::uint64_t read_be64(std::string_view s) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = v << 8 | static_cast<unsigned char>(s[i]);
  return v;
}

}  // namespace callrouter::store
