// One ring group's members in their fixed order, plus the indexes over its eligible members that
// let every RingStrategy pick in O(1)..O(log n). AgentPool keeps them current on each agent event.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "acd/agent_state.hpp"
#include "acd/ids.hpp"
#include "acd/member_bitset.hpp"
#include "acd/member_heap.hpp"
#include "acd/member_sample.hpp"
#include "acd/split_mix.hpp"
#include "flow/compiled_flow.hpp"

namespace callrouter::acd {

using flow::RingStrategy;

class RingGroup {
 public:
  RingGroup(std::string id, int wrap_up_s);

  const std::string& id() const { return id_; }
  int wrap_up_s() const { return wrap_up_s_; }
  void set_wrap_up_s(int wrap_up_s) { wrap_up_s_ = wrap_up_s; }

  // The fixed member order; a removed member leaves a kNoAgent hole until the pool compacts.
  std::span<const AgentId> slots() const { return slots_; }
  std::size_t member_count() const { return slots_.size() - holes_; }
  std::size_t eligible_count() const { return sample_.size(); }
  std::uint32_t append(AgentId agent);
  void vacate(std::uint32_t slot);  // the member must be unindexed first
  bool wants_compaction() const { return holes_ > 32 && holes_ * 2 > slots_.size(); }
  void clear();  // no members, round-robin memory reset

  // The indexes hold exactly the members that may be offered a call. `agent` is slots()[slot]'s state.
  void index(std::uint32_t slot, const AgentState& agent);
  void unindex(std::uint32_t slot);
  bool indexed(std::uint32_t slot) const { return sample_.contains(slot); }

  // round_robin's memory: the slot rung last; kNoSlot starts at the first member.
  std::uint32_t round_robin_cursor() const { return cursor_; }
  void set_round_robin_cursor(std::uint32_t slot) { cursor_ = slot; }

  // Fills `out` with indexed members whose slot is not in `skip` (sorted, unique), in the
  // strategy's order: parallel up to out.size(), every other strategy one. round_robin moves its
  // cursor to the member it returns. Returns how many it wrote.
  struct Scratch {  // reused by select() so that it does not allocate once warm
    std::vector<std::uint32_t> frontier;
    std::vector<std::uint32_t> positions;
  };
  std::size_t select(RingStrategy strategy, std::span<AgentId> out, std::span<const std::uint32_t> skip,
                     SplitMix64& rng, Scratch& scratch);

  // Every indexed member in the order the strategy would pick them (random: member order, each
  // equally likely). O(n log n): for diagnostics and tests, not the call path.
  std::vector<AgentId> ranked(RingStrategy strategy) const;

  // "" when the indexes are internally consistent and hold exactly the members of `agents`
  // (indexed by AgentId) that are available and idle, under their current keys.
  std::string audit(std::span<const AgentState> agents) const;
  std::size_t memory_bytes() const;

 private:
  enum HeapIndex : std::size_t { by_queue, by_idle, by_calls, by_talk, kHeapCount };
  static std::array<HeapEntry, kHeapCount> keys(std::uint32_t slot, AgentId id, const AgentState& agent);
  static HeapIndex heap_for(RingStrategy strategy);
  std::uint32_t first_eligible(std::uint32_t from, std::uint32_t until, std::span<const std::uint32_t> skip) const;

  std::string id_;
  int wrap_up_s_ = 0;
  std::vector<AgentId> slots_;
  std::size_t holes_ = 0;
  std::array<MemberHeap, kHeapCount> heaps_;  // sequential, longest_idle/parallel, fewest_calls, least_talk_time
  MemberBitset bits_;                         // top_down, round_robin
  MemberSample sample_;                       // random; also "is this slot indexed"
  std::uint32_t cursor_ = kNoSlot;
};

}  // namespace callrouter::acd
