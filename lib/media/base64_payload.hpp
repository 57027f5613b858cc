// Base64 decoding into a caller's buffer, for audio payloads that arrive fifty times a second
// per track: no allocation, and anything that is not canonical base64 is refused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace callrouter::media {

// The number of bytes decoded into `out`, or nothing when `text` is not base64 (length not a
// multiple of 4, a character outside the alphabet, misplaced padding) or does not fit in `out`.
std::optional<std::size_t> decode_base64(std::string_view text, std::span<std::uint8_t> out);

}  // namespace callrouter::media
