// Ring-group strategies on small groups: the exact agents each strategy picks, in order, and what
// it remembers between calls (docs/routing.md).
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "acd/agent_pool.hpp"

using namespace callrouter;
using namespace callrouter::acd;
using std::chrono::seconds;

namespace {

const Timestamp kStart = Timestamp{} + std::chrono::hours(24 * 20'000);

struct Office {
  AgentPool pool;
  std::vector<AgentId> a;
  GroupId g{};
  Timestamp now = kStart;

  explicit Office(int agents, int wrap_up_s = 0, AgentPoolOptions options = {}) : pool(options) {
    for (int i = 0; i < agents; ++i) a.push_back(pool.add_agent("u" + std::to_string(i), now));
    g = pool.add_group("g", a, wrap_up_s);
  }
  void tick(int s = 1) { now += seconds(s); }
  void available(std::initializer_list<int> order) {  // one second apart, in this order
    for (int i : order) {
      REQUIRE(pool.set_presence(a[i], Presence::available, now));
      tick();
    }
  }
  std::vector<AgentId> pick(RingStrategy s, std::size_t k = kMaxRingTargets, std::vector<AgentId> skip = {},
                            GroupId group = kNoGroup) {
    std::vector<AgentId> out(k);
    out.resize(pool.select(group == kNoGroup ? g : group, s, now, out, skip));
    return out;
  }
  AgentId one(RingStrategy s, std::vector<AgentId> skip = {}) {
    auto v = pick(s, kMaxRingTargets, std::move(skip));
    REQUIRE(v.size() == 1);
    return v[0];
  }
  void take_call(AgentId x, int talk_s) {
    REQUIRE(pool.offered(x, now));
    REQUIRE(pool.answered(x, now));
    tick(talk_s);
    REQUIRE(pool.call_ended(x, g, now, talk_s));
    tick();
  }
  std::vector<AgentId> ids(std::initializer_list<int> is) const {
    std::vector<AgentId> v;
    for (int i : is) v.push_back(a[i]);
    return v;
  }
};

}  // namespace

TEST_CASE("parallel rings the longest idle eligible members, at most out.size(), the rest with skip") {
  Office o(13);
  o.available({3, 0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11});  // 12 available; 12 stays offline
  REQUIRE(o.pool.set_presence(o.a[5], Presence::away, o.now));
  // 11 eligible: the 10 who became available first, in that order.
  CHECK(o.pick(RingStrategy::parallel) == o.ids({3, 0, 1, 2, 4, 6, 7, 8, 9, 10}));
  const auto first = o.pick(RingStrategy::parallel);
  CHECK(o.pick(RingStrategy::parallel, kMaxRingTargets, first) == o.ids({11}));
  CHECK(o.pick(RingStrategy::parallel, 3) == o.ids({3, 0, 1}));
  // A member being rung for another call is not rung again.
  REQUIRE(o.pool.offered(o.a[0], o.now));
  CHECK(o.pick(RingStrategy::parallel, 3) == o.ids({3, 1, 2}));
}

TEST_CASE("sequential rings in the order members became available; the answerer goes to the back") {
  Office o(4);
  o.available({2, 0, 3, 1});
  CHECK(o.one(RingStrategy::sequential) == o.a[2]);
  CHECK(o.one(RingStrategy::sequential) == o.a[2]);  // selecting alone changes nothing
  o.take_call(o.a[2], 30);
  CHECK(o.one(RingStrategy::sequential) == o.a[0]);
  // a[1] leaves and comes back: it rejoins behind a[2], who answered before it returned.
  REQUIRE(o.pool.set_presence(o.a[1], Presence::away, o.now));
  REQUIRE(o.pool.set_presence(o.a[1], Presence::available, o.now));
  CHECK(o.pool.ranked(o.g, RingStrategy::sequential, o.now) == o.ids({0, 3, 2, 1}));
  // A decline keeps the agent's place; the engine skips whom it already tried for this call.
  REQUIRE(o.pool.offered(o.a[0], o.now));
  REQUIRE(o.pool.declined_or_missed(o.a[0], o.now));
  CHECK(o.one(RingStrategy::sequential) == o.a[0]);
  CHECK(o.one(RingStrategy::sequential, o.ids({0})) == o.a[3]);
  CHECK(o.one(RingStrategy::sequential, o.ids({0, 3})) == o.a[2]);
  o.take_call(o.a[0], 5);
  CHECK(o.pool.ranked(o.g, RingStrategy::sequential, o.now) == o.ids({3, 2, 1, 0}));
}

TEST_CASE("round_robin continues after the member rung last, wraps, and remembers per group") {
  Office o(5);
  o.available({4, 3, 2, 1, 0});
  const GroupId h = o.pool.add_group("h", o.ids({4, 3, 2, 1, 0}), 0);
  auto rr = [&](GroupId group) {
    auto v = o.pick(RingStrategy::round_robin, 1, {}, group);
    REQUIRE(v.size() == 1);
    return v[0];
  };
  CHECK(rr(o.g) == o.a[0]);
  CHECK(rr(o.g) == o.a[1]);
  CHECK(rr(h) == o.a[4]);  // h has its own memory
  CHECK(rr(o.g) == o.a[2]);
  REQUIRE(o.pool.set_presence(o.a[3], Presence::away, o.now));
  CHECK(rr(o.g) == o.a[4]);  // a[3] is away: skipped
  CHECK(rr(o.g) == o.a[0]);  // wraps
  CHECK(rr(h) == o.a[2]);    // h continues after a[4]; a[3] is away
  // Whoever is busy is passed over without losing the rotation.
  REQUIRE(o.pool.offered(o.a[1], o.now));
  CHECK(rr(o.g) == o.a[2]);
  // A removed member's place is remembered: the next one after it rings.
  REQUIRE(o.pool.remove_member(o.g, o.a[2]));
  CHECK(rr(o.g) == o.a[4]);
  CHECK(o.pool.ranked(o.g, RingStrategy::round_robin, o.now) == o.ids({0, 4}));
  // With only skipped members eligible, nobody is chosen and the memory stays.
  CHECK(o.pick(RingStrategy::round_robin, 1, o.ids({0, 4})).empty());
  CHECK(rr(o.g) == o.a[0]);
}

TEST_CASE("longest_idle rings whoever has been idle longest since a call or becoming available") {
  Office o(4);
  o.available({0, 1, 2, 3});
  CHECK(o.one(RingStrategy::longest_idle) == o.a[0]);
  o.take_call(o.a[0], 10);
  CHECK(o.one(RingStrategy::longest_idle) == o.a[1]);
  // A missed offer does not reset idle time.
  REQUIRE(o.pool.offered(o.a[1], o.now));
  REQUIRE(o.pool.declined_or_missed(o.a[1], o.now));
  CHECK(o.one(RingStrategy::longest_idle) == o.a[1]);
  CHECK(o.one(RingStrategy::longest_idle, o.ids({1})) == o.a[2]);
  // Becoming available again resets it.
  REQUIRE(o.pool.set_presence(o.a[1], Presence::away, o.now));
  REQUIRE(o.pool.set_presence(o.a[1], Presence::available, o.now));
  CHECK(o.pool.ranked(o.g, RingStrategy::longest_idle, o.now) == o.ids({2, 3, 0, 1}));
}

TEST_CASE("fewest_calls rings the member with the fewest answered calls, ties to the longest idle") {
  Office o(4);
  o.available({0, 1, 2});
  o.take_call(o.a[0], 5);
  o.take_call(o.a[0], 5);
  o.take_call(o.a[1], 5);
  o.take_call(o.a[2], 5);
  // a[1] and a[2] have one call each; a[1]'s ended first.
  CHECK(o.one(RingStrategy::fewest_calls) == o.a[1]);
  CHECK(o.pool.ranked(o.g, RingStrategy::fewest_calls, o.now) == o.ids({1, 2, 0}));
  o.available({3});
  CHECK(o.one(RingStrategy::fewest_calls) == o.a[3]);
  // Declined offers are not calls.
  REQUIRE(o.pool.offered(o.a[3], o.now));
  REQUIRE(o.pool.declined_or_missed(o.a[3], o.now));
  CHECK(o.one(RingStrategy::fewest_calls) == o.a[3]);
}

TEST_CASE("least_talk_time rings the member with the least total talk time, ties to the longest idle") {
  Office o(4);
  o.available({0, 1, 2, 3});
  o.take_call(o.a[0], 100);
  o.take_call(o.a[1], 30);
  o.take_call(o.a[2], 30);
  o.take_call(o.a[3], 60);
  CHECK(o.pool.ranked(o.g, RingStrategy::least_talk_time, o.now) == o.ids({1, 2, 3, 0}));
  o.take_call(o.a[1], 1);
  CHECK(o.one(RingStrategy::least_talk_time) == o.a[2]);
  // Talk time counts whatever call it was (an outbound call here, no group, no wrap-up).
  REQUIRE(o.pool.answered(o.a[2], o.now));
  REQUIRE(o.pool.call_ended(o.a[2], kNoGroup, o.now + seconds(40), 40));
  CHECK(o.pool.ranked(o.g, RingStrategy::least_talk_time, o.now) == o.ids({1, 3, 2, 0}));
}

TEST_CASE("top_down rings the first eligible member in the group's order, every call") {
  Office o(3);
  o.available({0, 1, 2});
  const GroupId h = o.pool.add_group("h", o.ids({2, 0, 1}), 0);
  auto td = [&] {
    auto v = o.pick(RingStrategy::top_down, 1, {}, h);
    REQUIRE(v.size() == 1);
    return v[0];
  };
  CHECK(td() == o.a[2]);
  CHECK(td() == o.a[2]);
  REQUIRE(o.pool.offered(o.a[2], o.now));
  CHECK(td() == o.a[0]);
  REQUIRE(o.pool.answered(o.a[2], o.now));
  REQUIRE(o.pool.call_ended(o.a[2], h, o.now, 10));
  CHECK(td() == o.a[2]);
  std::vector<AgentId> out(1);
  const std::vector<AgentId> skip{o.a[2]};
  REQUIRE(o.pool.select(h, RingStrategy::top_down, o.now, out, skip) == 1);
  CHECK(out[0] == o.a[0]);
}

TEST_CASE("random picks every eligible member equally often, reproducibly from the seed") {
  Office o(6, 0, {.max_missed_in_row = 3, .seed = 42});
  o.available({0, 1, 2, 3, 4});  // a[5] stays offline
  std::map<AgentId, int> seen;
  std::vector<AgentId> draws;
  for (int i = 0; i < 50'000; ++i) {
    auto x = o.one(RingStrategy::random);
    ++seen[x];
    if (i < 100) draws.push_back(x);
  }
  REQUIRE(seen.size() == 5);
  for (auto& [agent, n] : seen) {
    CHECK(o.pool.eligible(agent, o.now));
    CHECK(n > 9'400);  // 10,000 expected; ±6 standard deviations is ±600
    CHECK(n < 10'600);
  }
  // Skipping stays uniform over the rest.
  seen.clear();
  for (int i = 0; i < 30'000; ++i) ++seen[o.one(RingStrategy::random, o.ids({0, 3}))];
  REQUIRE(seen.size() == 3);
  for (int i : {1, 2, 4}) {
    CHECK(seen[o.a[i]] > 9'400);
    CHECK(seen[o.a[i]] < 10'600);
  }
  CHECK(o.pick(RingStrategy::random, 1, o.ids({0, 1, 2, 3, 4})).empty());

  auto replay = [&](std::uint64_t seed) {
    Office p(6, 0, {.max_missed_in_row = 3, .seed = seed});
    p.available({0, 1, 2, 3, 4});
    std::vector<AgentId> v;
    for (int i = 0; i < 100; ++i) v.push_back(p.one(RingStrategy::random));
    return v;
  };
  CHECK(replay(42) == draws);
  CHECK(replay(43) != draws);
}

TEST_CASE("every strategy chooses nobody when nobody is eligible, and only from the group") {
  Office o(3);
  const AgentId outsider = o.pool.add_agent("outsider", o.now);
  REQUIRE(o.pool.set_presence(outsider, Presence::available, o.now));
  for (auto s : {RingStrategy::parallel, RingStrategy::sequential, RingStrategy::round_robin,
                 RingStrategy::longest_idle, RingStrategy::fewest_calls, RingStrategy::least_talk_time,
                 RingStrategy::top_down, RingStrategy::random}) {
    CAPTURE(static_cast<int>(s));
    CHECK(o.pick(s).empty());
    CHECK(o.pool.ranked(o.g, s, o.now).empty());
  }
  o.available({1});
  for (auto s : {RingStrategy::parallel, RingStrategy::sequential, RingStrategy::round_robin,
                 RingStrategy::longest_idle, RingStrategy::fewest_calls, RingStrategy::least_talk_time,
                 RingStrategy::top_down, RingStrategy::random}) {
    CAPTURE(static_cast<int>(s));
    CHECK(o.pick(s) == o.ids({1}));
    CHECK(o.pick(s, kMaxRingTargets, o.ids({1})).empty());
  }
  std::vector<AgentId> out(kMaxRingTargets);
  CHECK(o.pool.select(GroupId{99}, RingStrategy::parallel, o.now, out) == 0);
  CHECK(o.pool.select(o.g, RingStrategy::parallel, o.now, std::span<AgentId>{}) == 0);
}
