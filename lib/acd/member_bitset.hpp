// A set of member slots as a hierarchical bitset (64-way summary levels): "first eligible member
// at or after position p" in O(log64 n), which top_down and round_robin need at 10,000 members.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace callrouter::acd {

class MemberBitset {
 public:
  static constexpr std::uint32_t npos = 0xFFFF'FFFFu;

  void clear(std::size_t slots);     // empty, room for `slots`
  void grow(std::size_t slots);      // room for at least `slots`, keeping the set bits
  void set(std::uint32_t slot);
  void reset(std::uint32_t slot);
  bool test(std::uint32_t slot) const {
    return slot < capacity_ && (levels_[0][slot >> 6] >> (slot & 63) & 1) != 0;
  }
  // The lowest set slot >= from, or npos.
  std::uint32_t find_next(std::uint32_t from) const;

  std::string audit() const;  // "" when every summary bit matches the level below
  std::size_t memory_bytes() const;

 private:
  void rebuild_summaries();
  std::size_t capacity_ = 0;                    // bits in levels_[0]
  std::vector<std::vector<std::uint64_t>> levels_;  // [0]: one bit per slot; [l+1]: word l nonzero
};

}  // namespace callrouter::acd
