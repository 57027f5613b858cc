#include "acd/member_bitset.hpp"

#include <algorithm>
#include <bit>

namespace callrouter::acd {

namespace {
std::size_t words_for(std::size_t bits) { return std::max<std::size_t>(1, (bits + 63) / 64); }
}  // namespace

void MemberBitset::clear(std::size_t slots) {
  capacity_ = words_for(slots) * 64;
  levels_.assign(1, std::vector<std::uint64_t>(capacity_ / 64, 0));
  rebuild_summaries();
}

void MemberBitset::grow(std::size_t slots) {
  if (slots <= capacity_ && !levels_.empty()) return;
  // Doubling keeps appending members amortized O(1).
  const std::size_t words = std::max(words_for(slots), levels_.empty() ? 1 : levels_[0].size() * 2);
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].resize(words, 0);
  capacity_ = words * 64;
  rebuild_summaries();
}

void MemberBitset::rebuild_summaries() {
  levels_.resize(1);
  while (levels_.back().size() > 1) {
    const auto& below = levels_.back();
    std::vector<std::uint64_t> above(words_for(below.size()), 0);
    for (std::size_t w = 0; w < below.size(); ++w) {
      if (below[w] != 0) above[w >> 6] |= std::uint64_t{1} << (w & 63);
    }
    levels_.push_back(std::move(above));
  }
}

void MemberBitset::set(std::uint32_t slot) {
  std::size_t i = slot;
  for (auto& level : levels_) {
    std::uint64_t& word = level[i >> 6];
    const bool was_empty = word == 0;
    word |= std::uint64_t{1} << (i & 63);
    if (!was_empty) return;  // the summaries above already say "nonzero"
    i >>= 6;
  }
}

void MemberBitset::reset(std::uint32_t slot) {
  std::size_t i = slot;
  for (auto& level : levels_) {
    std::uint64_t& word = level[i >> 6];
    word &= ~(std::uint64_t{1} << (i & 63));
    if (word != 0) return;
    i >>= 6;
  }
}

std::uint32_t MemberBitset::find_next(std::uint32_t from) const {
  if (from >= capacity_) return npos;
  // Climb until some word holds a set bit at or after the position, then descend to its lowest bit.
  std::size_t level = 0;
  std::size_t i = from;
  for (;;) {
    const auto& words = levels_[level];
    const std::size_t w = i >> 6;
    if (w >= words.size()) return npos;
    const std::uint64_t masked = words[w] & (~std::uint64_t{0} << (i & 63));
    if (masked != 0) {
      i = (w << 6) | static_cast<std::size_t>(std::countr_zero(masked));
      break;
    }
    if (++level == levels_.size()) return npos;
    i = w + 1;
  }
  while (level > 0) {
    --level;
    i = (i << 6) | static_cast<std::size_t>(std::countr_zero(levels_[level][i]));
  }
  return static_cast<std::uint32_t>(i);
}

std::string MemberBitset::audit() const {
  for (std::size_t l = 0; l + 1 < levels_.size(); ++l) {
    for (std::size_t w = 0; w < levels_[l].size(); ++w) {
      const bool summary = (levels_[l + 1][w >> 6] >> (w & 63) & 1) != 0;
      if (summary != (levels_[l][w] != 0)) return "bitset summary wrong at level " + std::to_string(l + 1);
    }
  }
  return {};
}

std::size_t MemberBitset::memory_bytes() const {
  std::size_t bytes = levels_.capacity() * sizeof(levels_[0]);
  for (const auto& level : levels_) bytes += level.capacity() * sizeof(std::uint64_t);
  return bytes;
}

}  // namespace callrouter::acd
