// UTF-8 at the edges: text from outside is made valid once, where it enters, so everything
// stored, written as JSON or sent to a softphone is valid UTF-8 (DESIGN §5).
#pragma once

#include <string>
#include <string_view>

namespace callrouter {

// One step of decoding at byte `i` (< text.size()), per Unicode Table 3-7, which rules out
// overlongs, surrogates and anything past U+10FFFF.
struct Utf8Step {
  std::size_t length;  // bytes consumed: the character, or the maximal ill-formed subpart
  bool valid;
};
Utf8Step utf8_step(std::string_view text, std::size_t i);

bool valid_utf8(std::string_view text);

// Each ill-formed sequence becomes U+FFFD, one per maximal subpart (Unicode §3.9, as browsers and
// Python's "replace" decode it); valid text comes back unchanged.
std::string to_valid_utf8(std::string_view text);

// In place, only when needed (the common case costs one scan).
inline void make_valid_utf8(std::string& text) {
  if (!valid_utf8(text)) text = to_valid_utf8(text);
}

}  // namespace callrouter
