#include "acd/member_heap.hpp"

namespace callrouter::acd {

void MemberHeap::clear(std::size_t slots) {
  heap_.clear();
  pos_.assign(slots, kNoSlot);
}

void MemberHeap::insert(const HeapEntry& entry) {
  heap_.push_back(entry);
  pos_[entry.slot] = static_cast<std::uint32_t>(heap_.size() - 1);
  sift_up(heap_.size() - 1);
}

void MemberHeap::erase(std::uint32_t slot) {
  if (!contains(slot)) return;
  const std::size_t i = pos_[slot];
  pos_[slot] = kNoSlot;
  const HeapEntry last = heap_.back();
  heap_.pop_back();
  if (i == heap_.size()) return;  // it was the last one
  place(i, last);
  if (i > 0 && ranks_before(last, heap_[(i - 1) / kArity])) {
    sift_up(i);
  } else {
    sift_down(i);
  }
}

void MemberHeap::sift_up(std::size_t i) {
  const HeapEntry e = heap_[i];
  while (i > 0) {
    const std::size_t parent = (i - 1) / kArity;
    if (!ranks_before(e, heap_[parent])) break;
    place(i, heap_[parent]);
    i = parent;
  }
  place(i, e);
}

void MemberHeap::sift_down(std::size_t i) {
  const HeapEntry e = heap_[i];
  const std::size_t n = heap_.size();
  for (;;) {
    const std::size_t first = kArity * i + 1;
    if (first >= n) break;
    const std::size_t end = std::min(first + kArity, n);
    std::size_t best = first;
    for (std::size_t c = first + 1; c < end; ++c) {
      if (ranks_before(heap_[c], heap_[best])) best = c;
    }
    if (!ranks_before(heap_[best], e)) break;
    place(i, heap_[best]);
    i = best;
  }
  place(i, e);
}

std::string MemberHeap::audit() const {
  for (std::size_t i = 1; i < heap_.size(); ++i) {
    if (ranks_before(heap_[i], heap_[(i - 1) / kArity])) return "heap order broken at " + std::to_string(i);
  }
  std::size_t present = 0;
  for (std::size_t slot = 0; slot < pos_.size(); ++slot) {
    if (pos_[slot] == kNoSlot) continue;
    ++present;
    if (pos_[slot] >= heap_.size() || heap_[pos_[slot]].slot != slot) {
      return "heap position of slot " + std::to_string(slot) + " is stale";
    }
  }
  if (present != heap_.size()) return "heap holds entries without positions";
  return {};
}

std::size_t MemberHeap::memory_bytes() const {
  return heap_.capacity() * sizeof(HeapEntry) + pos_.capacity() * sizeof(std::uint32_t);
}

}  // namespace callrouter::acd
