// A set of member slots kept as a dense array (swap-remove), so that a uniformly random member is
// one PRNG draw away: the index behind the `random` strategy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "acd/member_heap.hpp"  // kNoSlot

namespace callrouter::acd {

class MemberSample {
 public:
  void clear(std::size_t slots) {
    items_.clear();
    pos_.assign(slots, kNoSlot);
  }
  void add_slot() { pos_.push_back(kNoSlot); }

  bool contains(std::uint32_t slot) const { return slot < pos_.size() && pos_[slot] != kNoSlot; }
  std::size_t size() const { return items_.size(); }
  std::uint32_t at(std::size_t i) const { return items_[i]; }
  std::uint32_t position(std::uint32_t slot) const { return pos_[slot]; }  // kNoSlot when absent

  void insert(std::uint32_t slot) {
    if (contains(slot)) return;
    pos_[slot] = static_cast<std::uint32_t>(items_.size());
    items_.push_back(slot);
  }
  void erase(std::uint32_t slot) {
    if (!contains(slot)) return;
    const std::uint32_t i = pos_[slot];
    const std::uint32_t last = items_.back();
    items_[i] = last;
    pos_[last] = i;
    items_.pop_back();
    pos_[slot] = kNoSlot;
  }

  std::string audit() const {
    for (std::size_t i = 0; i < items_.size(); ++i) {
      if (items_[i] >= pos_.size() || pos_[items_[i]] != i) return "sample position of slot is stale";
    }
    std::size_t present = 0;
    for (auto p : pos_) present += p != kNoSlot;
    if (present != items_.size()) return "sample holds positions without entries";
    return {};
  }
  std::size_t memory_bytes() const { return (items_.capacity() + pos_.capacity()) * sizeof(std::uint32_t); }

 private:
  std::vector<std::uint32_t> items_;  // the slots in the set, in no particular order
  std::vector<std::uint32_t> pos_;    // slot -> index in items_
};

}  // namespace callrouter::acd
