#include "media/base64_payload.hpp"

#include <array>

namespace callrouter::media {
namespace {

constexpr std::uint8_t kInvalid = 0xFF;

constexpr auto kValues = [] {
  std::array<std::uint8_t, 256> t{};
  t.fill(kInvalid);
  constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (std::size_t i = 0; i < alphabet.size(); ++i) t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::uint8_t>(i);
  return t;
}();

}  // namespace

std::optional<std::size_t> decode_base64(std::string_view text, std::span<std::uint8_t> out) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') ++padding;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++padding;
  const std::size_t size = text.size() / 4 * 3 - padding;
  if (size > out.size()) return std::nullopt;
  std::size_t o = 0;
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    std::uint32_t quad = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      const char c = text[i + j];
      std::uint8_t v = 0;
      if (c == '=') {
        if (!last || j < 4 - padding) return std::nullopt;  // padding only at the very end
      } else {
        v = kValues[static_cast<unsigned char>(c)];
        if (v == kInvalid) return std::nullopt;
      }
      quad = (quad << 6) | v;
    }
    const std::uint8_t bytes[3] = {static_cast<std::uint8_t>(quad >> 16), static_cast<std::uint8_t>(quad >> 8),
                                   static_cast<std::uint8_t>(quad)};
    const std::size_t take = last ? 3 - padding : 3;
    for (std::size_t j = 0; j < take; ++j) out[o++] = bytes[j];
  }
  return size;
}

}  // namespace callrouter::media
