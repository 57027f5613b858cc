#include "history/cursor.hpp"

#include <cstdint>

namespace callrouter::history {
namespace {

// Hex of: version byte, start time (µs, 8 bytes big-endian), CallSid. Versioned so the layout can
// change without a client's saved cursor being read wrongly.
constexpr std::uint8_t kCursorVersion = 1;
constexpr std::size_t kMaxSid = 64;
constexpr char kHex[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool sid_char(unsigned char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

std::string encode_cursor(const HistoryPosition& at) {
  std::string bytes;
  bytes.push_back(static_cast<char>(kCursorVersion));
  const auto us = static_cast<std::uint64_t>(at.started_at.time_since_epoch().count());
  for (int shift = 56; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>((us >> shift) & 0xff));
  bytes.append(at.sid);
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

std::optional<HistoryPosition> decode_cursor(std::string_view cursor) {
  if (cursor.size() % 2 != 0 || cursor.size() < 2 * 10 || cursor.size() > 2 * (9 + kMaxSid)) return std::nullopt;
  std::string bytes;
  for (std::size_t i = 0; i < cursor.size(); i += 2) {
    const int hi = hex_value(cursor[i]), lo = hex_value(cursor[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    bytes.push_back(static_cast<char>(hi << 4 | lo));
  }
  if (static_cast<std::uint8_t>(bytes[0]) != kCursorVersion) return std::nullopt;
  std::uint64_t us = 0;
  for (std::size_t i = 1; i <= 8; ++i) us = us << 8 | static_cast<unsigned char>(bytes[i]);
  if (us > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
  HistoryPosition at{Timestamp(std::chrono::microseconds(static_cast<std::int64_t>(us))), bytes.substr(9)};
  for (unsigned char c : at.sid) {
    if (!sid_char(c)) return std::nullopt;
  }
  return at;
}

}  // namespace callrouter::history
