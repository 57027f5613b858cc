// An indexed 4-ary min-heap over one ring group's eligible members, ordered by one strategy's key
// (idle-since, calls, talk time, queue position): best in O(1), insert/erase by slot in O(log n),
// and the best k visited in order without popping anything.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace callrouter::acd {

// A member's position in its group's fixed member order.
inline constexpr std::uint32_t kNoSlot = 0xFFFF'FFFFu;

struct HeapEntry {
  std::uint64_t primary = 0;
  std::uint64_t secondary = 0;
  std::uint32_t agent = 0;  // last tie-break, so that every order is total and deterministic
  std::uint32_t slot = 0;
};

inline bool ranks_before(const HeapEntry& a, const HeapEntry& b) {
  if (a.primary != b.primary) return a.primary < b.primary;
  if (a.secondary != b.secondary) return a.secondary < b.secondary;
  return a.agent < b.agent;
}

class MemberHeap {
 public:
  // Slots are the group's member positions; the heap keeps one position per slot.
  void clear(std::size_t slots);
  void add_slot() { pos_.push_back(kNoSlot); }

  bool contains(std::uint32_t slot) const { return slot < pos_.size() && pos_[slot] != kNoSlot; }
  std::size_t size() const { return heap_.size(); }
  bool empty() const { return heap_.empty(); }
  const HeapEntry& top() const { return heap_.front(); }
  const HeapEntry& entry(std::uint32_t slot) const { return heap_[pos_[slot]]; }  // slot must be present

  void insert(const HeapEntry& entry);  // entry.slot must not be present
  void erase(std::uint32_t slot);       // no-op when absent

  // Visits entries best first; `take(entry)` returns whether it counted (false: skipped, keep
  // going). Stops after k counted. At most `max_skips` entries are ever refused, which bounds the
  // candidates worth keeping. `frontier` is scratch: nodes whose parents were visited, sorted
  // worst first and cut to the number that can still be taken (k is small: about 10).
  template <class Take>
  std::size_t walk(std::size_t k, std::size_t max_skips, std::vector<std::uint32_t>& frontier, Take&& take) const {
    frontier.clear();
    if (heap_.empty() || k == 0) return 0;
    auto worse = [this](std::uint32_t a, std::uint32_t b) { return ranks_before(heap_[b], heap_[a]); };
    frontier.push_back(0);
    std::size_t taken = 0;
    while (!frontier.empty() && taken < k) {
      const std::uint32_t i = frontier.back();
      frontier.pop_back();
      if (take(heap_[i])) {
        ++taken;
      } else if (max_skips > 0) {
        --max_skips;
      }
      // Only this many more entries can still be visited; a child ranked below that many
      // candidates (all better than it, as are their subtrees' roots) would never be reached.
      const std::size_t room = k - taken + std::min(max_skips, heap_.size());
      const std::size_t first = kArity * std::size_t{i} + 1;
      const std::size_t end = std::min(first + kArity, heap_.size());
      for (std::size_t c = first; c < end; ++c) {
        const auto child = static_cast<std::uint32_t>(c);
        if (frontier.size() >= room) {
          if (!worse(frontier.front(), child)) continue;  // no better than the worst kept
          frontier.erase(frontier.begin());
        }
        frontier.insert(std::upper_bound(frontier.begin(), frontier.end(), child, worse), child);
      }
    }
    return taken;
  }

  const std::vector<HeapEntry>& entries() const { return heap_; }
  std::string audit() const;  // "" when the heap property and the slot positions hold
  std::size_t memory_bytes() const;

 private:
  static constexpr std::size_t kArity = 4;  // shallower than binary, children share a cache line
  void sift_up(std::size_t i);
  void sift_down(std::size_t i);
  void place(std::size_t i, const HeapEntry& e) {
    heap_[i] = e;
    pos_[e.slot] = static_cast<std::uint32_t>(i);
  }

  std::vector<HeapEntry> heap_;
  std::vector<std::uint32_t> pos_;  // slot -> index in heap_, kNoSlot when absent
};

}  // namespace callrouter::acd
