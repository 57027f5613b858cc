// The index structures behind selection, each against a brute-force twin under random operations:
// the member heap (ordered strategies), the hierarchical bitset (top_down, round_robin), the PRNG.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <tuple>
#include <vector>

#include "acd/member_bitset.hpp"
#include "acd/member_heap.hpp"
#include "acd/member_sample.hpp"
#include "acd/split_mix.hpp"

using namespace callrouter::acd;

TEST_CASE("member heap: best first, erase anywhere, best-k walk with skips") {
  SplitMix64 rng(7);
  constexpr std::uint32_t kSlots = 700;
  MemberHeap heap;
  heap.clear(kSlots);
  std::set<std::tuple<std::uint64_t, std::uint64_t, std::uint32_t, std::uint32_t>> twin;  // key..., slot
  std::vector<HeapEntry> by_slot(kSlots);
  std::vector<std::uint32_t> frontier;
  for (int step = 0; step < 40'000; ++step) {
    const std::uint32_t slot = rng.below(kSlots);
    if (heap.contains(slot)) {
      const auto& e = by_slot[slot];
      twin.erase({e.primary, e.secondary, e.agent, slot});
      heap.erase(slot);
    } else {
      // Few distinct primaries, so ties go to the secondary key and then the agent.
      HeapEntry e{rng.below(5), rng.below(3), slot * 7919 % 1000, slot};
      by_slot[slot] = e;
      twin.insert({e.primary, e.secondary, e.agent, slot});
      heap.insert(e);
    }
    REQUIRE(heap.size() == twin.size());
    if (!twin.empty()) REQUIRE(heap.top().slot == std::get<3>(*twin.begin()));
    if (step % 97 == 0) {
      REQUIRE(heap.audit().empty());
      // Best 10 skipping every third slot.
      std::vector<std::uint32_t> got, want;
      heap.walk(10, SIZE_MAX, frontier, [&](const HeapEntry& e) {
        if (e.slot % 3 == 0) return false;
        got.push_back(e.slot);
        return true;
      });
      for (auto& t : twin) {
        if (want.size() == 10) break;
        if (std::get<3>(t) % 3 != 0) want.push_back(std::get<3>(t));
      }
      REQUIRE(got == want);
    }
  }
}

TEST_CASE("member bitset: find_next across summary levels, growing") {
  SplitMix64 rng(11);
  for (std::uint32_t size : {1u, 63u, 64u, 65u, 4095u, 4096u, 4097u, 10'000u, 300'000u}) {
    CAPTURE(size);
    MemberBitset bits;
    bits.clear(size / 3);
    bits.grow(size);
    std::set<std::uint32_t> twin;
    const int steps = size > 20'000 ? 3'000 : 6'000;
    for (int step = 0; step < steps; ++step) {
      const std::uint32_t slot = rng.below(size);
      if (twin.count(slot) != 0) {
        bits.reset(slot);
        twin.erase(slot);
      } else {
        bits.set(slot);
        twin.insert(slot);
      }
      const std::uint32_t from = rng.below(size + 1);
      auto it = twin.lower_bound(from);
      REQUIRE(bits.find_next(from) == (it == twin.end() ? MemberBitset::npos : *it));
      REQUIRE(bits.test(slot) == (twin.count(slot) != 0));
      if (step % 500 == 0) REQUIRE(bits.audit().empty());
    }
    // Drain it: every summary bit must clear again.
    for (auto slot : twin) bits.reset(slot);
    REQUIRE(bits.find_next(0) == MemberBitset::npos);
    REQUIRE(bits.audit().empty());
  }
}

TEST_CASE("member sample: swap-remove keeps positions right") {
  SplitMix64 rng(3);
  MemberSample sample;
  sample.clear(50);
  std::set<std::uint32_t> twin;
  for (int step = 0; step < 5'000; ++step) {
    const std::uint32_t slot = rng.below(50);
    if (twin.count(slot) != 0) {
      sample.erase(slot);
      twin.erase(slot);
    } else {
      sample.insert(slot);
      twin.insert(slot);
    }
    REQUIRE(sample.size() == twin.size());
    REQUIRE(sample.audit().empty());
    std::set<std::uint32_t> held;
    for (std::size_t i = 0; i < sample.size(); ++i) held.insert(sample.at(i));
    REQUIRE(held == twin);
  }
}

TEST_CASE("splitmix: bounded draws stay in range and cover it") {
  SplitMix64 rng(1);
  for (std::uint32_t n : {1u, 2u, 3u, 7u, 1000u, 0x8000'0001u}) {
    for (int i = 0; i < 1000; ++i) REQUIRE(rng.below(n) < n);
  }
  std::vector<int> seen(7, 0);
  for (int i = 0; i < 7000; ++i) ++seen[rng.below(7)];
  for (int c : seen) CHECK(c > 800);
  SplitMix64 a(99), b(99);
  for (int i = 0; i < 100; ++i) REQUIRE(a.next() == b.next());
}
