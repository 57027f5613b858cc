#include "acd/ring_group.hpp"

#include <algorithm>
#include <utility>

namespace callrouter::acd {

namespace {

// Orders signed values (microseconds since the epoch, seconds of talk) as unsigned keys.
std::uint64_t signed_key(std::int64_t v) { return static_cast<std::uint64_t>(v) ^ (std::uint64_t{1} << 63); }
std::uint64_t time_key(Timestamp t) { return signed_key(t.time_since_epoch().count()); }

// `skip` is the handful of agents already tried for this call: a plain scan beats a search.
bool skipped(std::span<const std::uint32_t> skip, std::uint32_t slot) {
  if (skip.size() > 16) return std::binary_search(skip.begin(), skip.end(), slot);
  bool found = false;
  for (auto s : skip) found |= s == slot;  // no early exit: no branch to mispredict
  return found;
}

}  // namespace

RingGroup::RingGroup(std::string id, int wrap_up_s) : id_(std::move(id)), wrap_up_s_(wrap_up_s) { clear(); }

void RingGroup::clear() {
  slots_.clear();
  holes_ = 0;
  for (auto& heap : heaps_) heap.clear(0);
  bits_.clear(0);
  sample_.clear(0);
  cursor_ = kNoSlot;
}

std::uint32_t RingGroup::append(AgentId agent) {
  const auto slot = static_cast<std::uint32_t>(slots_.size());
  slots_.push_back(agent);
  for (auto& heap : heaps_) heap.add_slot();
  bits_.grow(slots_.size());
  sample_.add_slot();
  return slot;
}

void RingGroup::vacate(std::uint32_t slot) {
  slots_[slot] = kNoAgent;
  ++holes_;
}

std::array<HeapEntry, RingGroup::kHeapCount> RingGroup::keys(std::uint32_t slot, AgentId id,
                                                             const AgentState& agent) {
  const std::uint32_t a = index_of(id);
  const std::uint64_t idle = time_key(agent.idle_since);
  std::array<HeapEntry, kHeapCount> k;
  k[by_queue] = {agent.queue_seq, 0, a, slot};
  k[by_idle] = {idle, 0, a, slot};
  k[by_calls] = {agent.calls_answered, idle, a, slot};
  k[by_talk] = {signed_key(agent.talk_s), idle, a, slot};
  return k;
}

void RingGroup::index(std::uint32_t slot, const AgentState& agent) {
  if (indexed(slot)) return;
  const auto k = keys(slot, slots_[slot], agent);
  for (std::size_t h = 0; h < kHeapCount; ++h) heaps_[h].insert(k[h]);
  bits_.set(slot);
  sample_.insert(slot);
}

void RingGroup::unindex(std::uint32_t slot) {
  if (!indexed(slot)) return;
  for (auto& heap : heaps_) heap.erase(slot);
  bits_.reset(slot);
  sample_.erase(slot);
}

RingGroup::HeapIndex RingGroup::heap_for(RingStrategy strategy) {
  switch (strategy) {
    case RingStrategy::sequential: return by_queue;
    case RingStrategy::fewest_calls: return by_calls;
    case RingStrategy::least_talk_time: return by_talk;
    default: return by_idle;  // parallel and longest_idle
  }
}

std::uint32_t RingGroup::first_eligible(std::uint32_t from, std::uint32_t until,
                                        std::span<const std::uint32_t> skip) const {
  for (auto slot = bits_.find_next(from); slot != MemberBitset::npos && slot < until; slot = bits_.find_next(slot + 1)) {
    if (!skipped(skip, slot)) return slot;
  }
  return kNoSlot;
}

std::size_t RingGroup::select(RingStrategy strategy, std::span<AgentId> out, std::span<const std::uint32_t> skip,
                              SplitMix64& rng, Scratch& scratch) {
  if (out.empty() || sample_.size() == 0) return 0;
  const auto size = static_cast<std::uint32_t>(slots_.size());
  switch (strategy) {
    case RingStrategy::top_down: {
      const auto slot = first_eligible(0, size, skip);
      if (slot == kNoSlot) return 0;
      out[0] = slots_[slot];
      return 1;
    }
    case RingStrategy::round_robin: {
      const std::uint32_t start = cursor_ + 1 >= size ? 0 : cursor_ + 1;  // kNoSlot + 1 wraps to 0
      auto slot = first_eligible(start, size, skip);
      if (slot == kNoSlot) slot = first_eligible(0, start, skip);
      if (slot == kNoSlot) return 0;
      cursor_ = slot;
      out[0] = slots_[slot];
      return 1;
    }
    case RingStrategy::random: {
      const auto n = static_cast<std::uint32_t>(sample_.size());
      if (skip.empty()) {
        out[0] = slots_[sample_.at(rng.below(n))];
        return 1;
      }
      // Uniform over the unskipped: draw r among them, then step r over the skipped positions.
      auto& skipped_at = scratch.positions;
      skipped_at.clear();
      for (auto slot : skip) {
        if (sample_.contains(slot)) skipped_at.push_back(sample_.position(slot));
      }
      if (skipped_at.size() == n) return 0;
      std::sort(skipped_at.begin(), skipped_at.end());
      std::uint32_t r = rng.below(n - static_cast<std::uint32_t>(skipped_at.size()));
      for (auto p : skipped_at) {
        if (p > r) break;
        ++r;
      }
      out[0] = slots_[sample_.at(r)];
      return 1;
    }
    default: {
      const MemberHeap& heap = heaps_[heap_for(strategy)];
      const std::size_t k = strategy == RingStrategy::parallel ? out.size() : 1;
      if (skip.empty() && k == 1) {
        out[0] = AgentId{heap.top().agent};
        return 1;
      }
      std::size_t n = 0;
      heap.walk(k, skip.size(), scratch.frontier, [&](const HeapEntry& e) {
        if (skipped(skip, e.slot)) return false;
        out[n++] = AgentId{e.agent};
        return true;
      });
      return n;
    }
  }
}

std::vector<AgentId> RingGroup::ranked(RingStrategy strategy) const {
  std::vector<AgentId> order;
  order.reserve(sample_.size());
  const auto size = static_cast<std::uint32_t>(slots_.size());
  auto by_position = [&](std::uint32_t from, std::uint32_t until) {
    for (auto slot = first_eligible(from, until, {}); slot != kNoSlot; slot = first_eligible(slot + 1, until, {})) {
      order.push_back(slots_[slot]);
    }
  };
  switch (strategy) {
    case RingStrategy::top_down:
    case RingStrategy::random:
      by_position(0, size);
      break;
    case RingStrategy::round_robin: {
      const std::uint32_t start = cursor_ + 1 >= size ? 0 : cursor_ + 1;
      by_position(start, size);
      by_position(0, start);
      break;
    }
    default: {
      std::vector<std::uint32_t> frontier;
      heaps_[heap_for(strategy)].walk(sample_.size(), 0, frontier, [&](const HeapEntry& e) {
        order.push_back(AgentId{e.agent});
        return true;
      });
    }
  }
  return order;
}

std::string RingGroup::audit(std::span<const AgentState> agents) const {
  for (const auto& heap : heaps_) {
    if (auto error = heap.audit(); !error.empty()) return id_ + ": " + error;
  }
  if (auto error = bits_.audit(); !error.empty()) return id_ + ": " + error;
  if (auto error = sample_.audit(); !error.empty()) return id_ + ": " + error;
  std::size_t holes = 0;
  for (std::uint32_t slot = 0; slot < slots_.size(); ++slot) {
    const AgentId id = slots_[slot];
    const bool in_all = bits_.test(slot) && std::all_of(heaps_.begin(), heaps_.end(), [&](const MemberHeap& h) {
                          return h.contains(slot);
                        });
    const bool in_any = bits_.test(slot) || sample_.contains(slot) ||
                        std::any_of(heaps_.begin(), heaps_.end(), [&](const MemberHeap& h) { return h.contains(slot); });
    if (in_any && (!in_all || !sample_.contains(slot))) return id_ + ": slot in some indexes only";
    if (id == kNoAgent) {
      ++holes;
      if (in_any) return id_ + ": a removed member is indexed";
      continue;
    }
    if (index_of(id) >= agents.size()) return id_ + ": member is not an agent";
    const AgentState& agent = agents[index_of(id)];
    const bool should = !agent.removed && agent.status == Presence::available && agent.activity == Activity::idle;
    if (should != in_any) {
      return id_ + ": " + agent.user_id + (should ? " is eligible but not indexed" : " is indexed but not eligible");
    }
    if (!in_any) continue;
    const auto k = keys(slot, id, agent);
    for (std::size_t h = 0; h < kHeapCount; ++h) {
      const HeapEntry& e = heaps_[h].entry(slot);
      if (e.primary != k[h].primary || e.secondary != k[h].secondary || e.agent != k[h].agent) {
        return id_ + ": stale key for " + agent.user_id;
      }
    }
  }
  if (holes != holes_) return id_ + ": hole count wrong";
  if (cursor_ != kNoSlot && cursor_ >= slots_.size()) return id_ + ": round-robin cursor out of range";
  return {};
}

std::size_t RingGroup::memory_bytes() const {
  std::size_t bytes = sizeof(*this) + id_.capacity() + slots_.capacity() * sizeof(AgentId);
  for (const auto& heap : heaps_) bytes += heap.memory_bytes();
  return bytes + bits_.memory_bytes() + sample_.memory_bytes();
}

}  // namespace callrouter::acd
