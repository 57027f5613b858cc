// The agent state machine behind the strategies: presence, offers, wrap-up lapsing by time,
// auto-away after missed offers, group membership changes (docs/routing.md).
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "acd/agent_pool.hpp"

using namespace callrouter;
using namespace callrouter::acd;
using std::chrono::seconds;

namespace {

const Timestamp kStart = Timestamp{} + std::chrono::hours(24 * 20'000);

std::vector<AgentId> pick(AgentPool& pool, GroupId g, RingStrategy s, Timestamp now) {
  std::vector<AgentId> out(kMaxRingTargets);
  out.resize(pool.select(g, s, now, out));
  return out;
}

}  // namespace

TEST_CASE("presence names round-trip and only available, away and offline are the agent's to set") {
  for (auto p : {Presence::available, Presence::on_call, Presence::wrap_up, Presence::away, Presence::offline}) {
    CHECK(parse_presence(presence_name(p)) == p);
  }
  CHECK(!parse_presence("busy"));
  AgentPool pool;
  const AgentId a = pool.add_agent("u_sato", kStart);
  CHECK(pool.presence(a, kStart) == Presence::offline);
  CHECK(!pool.eligible(a, kStart));
  CHECK_THROWS_AS(pool.set_presence(a, Presence::on_call, kStart), std::invalid_argument);
  CHECK_THROWS_AS(pool.set_presence(a, Presence::wrap_up, kStart), std::invalid_argument);
  CHECK(pool.set_presence(a, Presence::available, kStart));
  CHECK(pool.eligible(a, kStart));
  CHECK(pool.add_agent("u_sato", kStart) == a);
  CHECK(pool.find_agent("u_sato") == a);
  CHECK(!pool.find_agent("u_kato"));
}

TEST_CASE("an agent is offered one call at a time and is busy while ringing or talking") {
  AgentPool pool;
  const AgentId a = pool.add_agent("a", kStart);
  const AgentId b = pool.add_agent("b", kStart);
  const GroupId g = pool.add_group("g", std::vector{a, b}, 0);
  const GroupId h = pool.add_group("h", std::vector{a}, 0);
  pool.set_presence(a, Presence::available, kStart);
  pool.set_presence(b, Presence::available, kStart + seconds(1));
  Timestamp t = kStart + seconds(2);

  REQUIRE(pool.offered(a, t));
  CHECK(pool.presence(a, t) == Presence::on_call);
  CHECK(!pool.offered(a, t));  // never two offers at once
  CHECK(pick(pool, g, RingStrategy::parallel, t) == std::vector{b});
  CHECK(pick(pool, h, RingStrategy::top_down, t).empty());  // busy in every group
  REQUIRE(pool.answered(a, t));
  CHECK(!pool.answered(a, t));
  CHECK(!pool.offered(a, t));
  CHECK(!pool.declined_or_missed(a, t));  // not ringing
  CHECK(pool.presence(a, t) == Presence::on_call);
  // The agent may go away during a call: the call goes on, and no call follows it.
  REQUIRE(pool.set_presence(a, Presence::away, t));
  CHECK(pool.presence(a, t) == Presence::on_call);
  REQUIRE(pool.call_ended(a, g, t + seconds(60), 60));
  CHECK(!pool.call_ended(a, g, t + seconds(60), 60));
  CHECK(pool.presence(a, t + seconds(60)) == Presence::away);
  CHECK(pool.agent(a).talk_s == 60);
  CHECK(pool.agent(a).calls_answered == 1);

  // An offer withdrawn (someone else answered, the caller hung up) is not a miss.
  REQUIRE(pool.offered(b, t));
  REQUIRE(pool.offer_cancelled(b, t));
  CHECK(pool.agent(b).missed_in_row == 0);
  CHECK(pool.eligible(b, t));
  CHECK(pool.audit().empty());
}

TEST_CASE("wrap-up blocks offers for the group's wrap_up_s, then lapses by time alone") {
  AgentPool pool;
  const AgentId a = pool.add_agent("a", kStart);
  const GroupId g = pool.add_group("g", std::vector{a}, 30);
  pool.set_presence(a, Presence::available, kStart);
  const Timestamp end = kStart + seconds(100);
  REQUIRE(pool.offered(a, kStart));
  REQUIRE(pool.answered(a, kStart));
  REQUIRE(pool.call_ended(a, g, end, 100));
  CHECK(pool.presence(a, end) == Presence::wrap_up);
  CHECK(pool.presence(a, end + seconds(29)) == Presence::wrap_up);
  CHECK(pick(pool, g, RingStrategy::longest_idle, end + seconds(29)).empty());
  CHECK(!pool.offered(a, end + seconds(29)));
  // No event in between: the first look at or after the deadline finds the agent available.
  CHECK(pool.presence(a, end + seconds(30)) == Presence::available);
  CHECK(pick(pool, g, RingStrategy::longest_idle, end + seconds(30)) == std::vector{a});
  CHECK(pool.audit().empty());

  SECTION("a later call's wrap-up is not cut short by the earlier deadline") {
    const Timestamp t = end + seconds(31);
    REQUIRE(pool.answered(a, t));  // an outbound call
    REQUIRE(pool.call_ended(a, g, t + seconds(5), 5));
    CHECK(pool.presence(a, t + seconds(34)) == Presence::wrap_up);
    CHECK(pick(pool, g, RingStrategy::top_down, t + seconds(34)).empty());
    CHECK(pick(pool, g, RingStrategy::top_down, t + seconds(35)) == std::vector{a});
  }
  SECTION("a stale deadline from an earlier wrap-up does not free the agent early") {
    const Timestamp t = end + seconds(30);
    const AgentId b = pool.add_agent("b", t);
    pool.add_member(g, b);
    pool.set_presence(b, Presence::available, t);
    REQUIRE(pool.answered(b, t));
    REQUIRE(pool.call_ended(b, g, t + seconds(10), 10));  // wrap-up until +40
    REQUIRE(pool.answered(b, t + seconds(11)));          // an outbound call during wrap-up
    REQUIRE(pool.call_ended(b, g, t + seconds(20), 9));   // wrap-up until +50
    CHECK(pick(pool, g, RingStrategy::top_down, t + seconds(45)) == std::vector{a});
    CHECK(pool.presence(b, t + seconds(45)) == Presence::wrap_up);
    CHECK(pick(pool, g, RingStrategy::parallel, t + seconds(50)) == std::vector{a, b});
  }
  SECTION("going away during wrap-up shows away, and stays away after it") {
    REQUIRE(pool.answered(a, end + seconds(40)));
    REQUIRE(pool.call_ended(a, g, end + seconds(41), 1));
    REQUIRE(pool.set_presence(a, Presence::away, end + seconds(42)));
    CHECK(pool.presence(a, end + seconds(42)) == Presence::away);
    CHECK(pool.presence(a, end + seconds(100)) == Presence::away);
    CHECK(pick(pool, g, RingStrategy::top_down, end + seconds(100)).empty());
  }
  SECTION("a call without a group has no wrap-up") {
    REQUIRE(pool.answered(a, end + seconds(40)));
    REQUIRE(pool.call_ended(a, kNoGroup, end + seconds(41), 1));
    CHECK(pool.presence(a, end + seconds(41)) == Presence::available);
  }
  CHECK(pool.audit().empty());
}

TEST_CASE("N unanswered offers in a row set the agent away; answering or coming back resets the count") {
  auto miss = [](AgentPool& pool, AgentId a, Timestamp t) {
    REQUIRE(pool.offered(a, t));
    REQUIRE(pool.declined_or_missed(a, t));
  };
  SECTION("default N = 3") {
    AgentPool pool;
    const AgentId a = pool.add_agent("a", kStart);
    pool.set_presence(a, Presence::available, kStart);
    miss(pool, a, kStart);
    miss(pool, a, kStart);
    REQUIRE(pool.offered(a, kStart));
    REQUIRE(pool.answered(a, kStart));  // resets the run
    REQUIRE(pool.call_ended(a, kNoGroup, kStart, 0));
    miss(pool, a, kStart);
    miss(pool, a, kStart);
    CHECK(pool.presence(a, kStart) == Presence::available);
    miss(pool, a, kStart);
    CHECK(pool.presence(a, kStart) == Presence::away);
    CHECK(!pool.offered(a, kStart));
    // Coming back starts a new run.
    pool.set_presence(a, Presence::available, kStart);
    miss(pool, a, kStart);
    miss(pool, a, kStart);
    CHECK(pool.presence(a, kStart) == Presence::available);
    // A withdrawn offer neither counts nor resets.
    REQUIRE(pool.offered(a, kStart));
    REQUIRE(pool.offer_cancelled(a, kStart));
    miss(pool, a, kStart);
    CHECK(pool.presence(a, kStart) == Presence::away);
  }
  SECTION("an agent who chose offline while being rung stays offline, not away") {
    AgentPool pool({.max_missed_in_row = 1});
    const AgentId a = pool.add_agent("a", kStart);
    pool.set_presence(a, Presence::available, kStart);
    REQUIRE(pool.offered(a, kStart));
    REQUIRE(pool.set_presence(a, Presence::offline, kStart));
    REQUIRE(pool.declined_or_missed(a, kStart));
    CHECK(pool.presence(a, kStart) == Presence::offline);
  }
  SECTION("N = 1 and N = 0 (never)") {
    AgentPool strict({.max_missed_in_row = 1});
    const AgentId a = strict.add_agent("a", kStart);
    strict.set_presence(a, Presence::available, kStart);
    miss(strict, a, kStart);
    CHECK(strict.presence(a, kStart) == Presence::away);
    AgentPool lenient({.max_missed_in_row = 0});
    const AgentId b = lenient.add_agent("b", kStart);
    lenient.set_presence(b, Presence::available, kStart);
    for (int i = 0; i < 100; ++i) miss(lenient, b, kStart);
    CHECK(lenient.presence(b, kStart) == Presence::available);
  }
}

TEST_CASE("a removed agent leaves every group, its events are ignored, and the user can come back") {
  AgentPool pool;
  const AgentId a = pool.add_agent("a", kStart);
  const AgentId b = pool.add_agent("b", kStart);
  const GroupId g = pool.add_group("g", std::vector{a, b, a}, 0);  // the repeat is ignored
  CHECK(pool.group(g).member_count() == 2);
  pool.set_presence(a, Presence::available, kStart);
  pool.set_presence(b, Presence::available, kStart);
  REQUIRE(pool.offered(a, kStart));
  REQUIRE(pool.remove_agent(a));
  CHECK(!pool.remove_agent(a));
  CHECK(!pool.answered(a, kStart));
  CHECK(!pool.set_presence(a, Presence::available, kStart));
  CHECK(pool.presence(a, kStart) == Presence::offline);
  CHECK(pick(pool, g, RingStrategy::parallel, kStart) == std::vector{b});
  CHECK(!pool.find_agent("a"));
  const AgentId again = pool.add_agent("a", kStart);
  CHECK(again != a);
  CHECK(!pool.add_member(g, a));
  CHECK(pool.add_member(g, again));
  CHECK(!pool.add_member(g, again));
  pool.set_presence(again, Presence::available, kStart);
  CHECK(pool.ranked(g, RingStrategy::top_down, kStart) == std::vector{b, again});
  CHECK(pool.audit().empty());
}

TEST_CASE("redefining a group replaces its members; emptied slots are compacted without losing order") {
  AgentPool pool;
  std::vector<AgentId> a;
  for (int i = 0; i < 100; ++i) {
    a.push_back(pool.add_agent("u" + std::to_string(i), kStart));
    pool.set_presence(a.back(), Presence::available, kStart + seconds(i));
  }
  const GroupId g = pool.add_group("g", a, 0);
  const GroupId other = pool.add_group("other", std::vector{a[5], a[50]}, 0);
  const Timestamp t = kStart + seconds(200);
  std::vector<AgentId> out(1);
  for (int i = 0; i < 60; ++i) REQUIRE(pool.select(g, RingStrategy::round_robin, t, out) == 1);
  CHECK(out[0] == a[59]);
  // Remove every member but the ones divisible by 10: compaction runs along the way.
  for (int i = 0; i < 100; ++i) {
    if (i % 10 != 0) REQUIRE(pool.remove_member(g, a[i]));
  }
  CHECK(pool.group(g).member_count() == 10);
  CHECK(pool.group(g).slots().size() < 100);  // holes were dropped
  CHECK(pool.audit().empty());
  REQUIRE(pool.select(g, RingStrategy::round_robin, t, out) == 1);
  CHECK(out[0] == a[60]);  // continues after where it stopped
  CHECK(pool.ranked(g, RingStrategy::top_down, t) ==
        std::vector{a[0], a[10], a[20], a[30], a[40], a[50], a[60], a[70], a[80], a[90]});
  CHECK(pool.ranked(other, RingStrategy::top_down, t) == std::vector{a[5], a[50]});

  pool.add_group("g", std::vector{a[7], a[3]}, 15);
  CHECK(pool.group(g).wrap_up_s() == 15);
  CHECK(pool.ranked(g, RingStrategy::top_down, t) == std::vector{a[7], a[3]});
  CHECK(pool.find_group("g") == g);
  CHECK(pool.audit().empty());
}

TEST_CASE("a small step back of time is clamped to the latest seen") {
  AgentPool pool;
  const AgentId a = pool.add_agent("a", kStart);
  const GroupId g = pool.add_group("g", std::vector{a}, 30);
  pool.set_presence(a, Presence::available, kStart);
  REQUIRE(pool.answered(a, kStart));
  REQUIRE(pool.call_ended(a, g, kStart + seconds(100), 100));
  // Two events' times crossing by less than kClockStepBack: the wrap-up neither ends early nor late.
  CHECK(pick(pool, g, RingStrategy::top_down, kStart + seconds(129) + std::chrono::milliseconds(900)).empty());
  CHECK(pick(pool, g, RingStrategy::top_down, kStart + seconds(129) + std::chrono::milliseconds(400)).empty());
  CHECK(pick(pool, g, RingStrategy::top_down, kStart + seconds(130)) == std::vector{a});
  // An event stamped a little earlier than the latest seen acts at the latest: the lapsed wrap-up stays lapsed.
  CHECK(pool.presence(a, kStart + seconds(129) + std::chrono::milliseconds(500)) == Presence::available);
  CHECK(pick(pool, g, RingStrategy::top_down, kStart + seconds(129) + std::chrono::milliseconds(500)) == std::vector{a});
}

TEST_CASE("a wall clock set back moves wrap-ups and idle times with it") {
  AgentPool pool;
  const AgentId a = pool.add_agent("a", kStart);
  const AgentId b = pool.add_agent("b", kStart);
  const GroupId g = pool.add_group("g", std::vector{a, b}, 30);
  const Timestamp ahead = kStart + std::chrono::hours(72);  // the clock was three days fast
  pool.set_presence(a, Presence::available, ahead);
  pool.set_presence(b, Presence::available, ahead + seconds(5));
  REQUIRE(pool.answered(a, ahead + seconds(10)));
  REQUIRE(pool.call_ended(a, g, ahead + seconds(20), 10));  // wrap-up until ahead + 50 s

  // The pool cannot know how long the clock was wrong after its last event: it moves its times so
  // that the latest `now` it saw is the first `now` after the step.
  SECTION("the wrap-up keeps the time it had left") {
    const Timestamp right = kStart + seconds(1000);  // 30 s of the wrap-up were left
    CHECK(pick(pool, g, RingStrategy::top_down, right) == std::vector{b});
    CHECK(pool.presence(a, right) == Presence::wrap_up);
    CHECK(pool.presence(a, right + seconds(29)) == Presence::wrap_up);
    CHECK(pick(pool, g, RingStrategy::top_down, right + seconds(29)) == std::vector{b});
    CHECK(pick(pool, g, RingStrategy::top_down, right + seconds(30)) == std::vector{a});
    CHECK(pool.audit().empty());
  }
  SECTION("longest idle is still whoever has been idle longest") {
    // b became available at ahead + 5 s; a ended its call at ahead + 20 s and is free 30 s later.
    const Timestamp right = kStart + seconds(1000);
    CHECK(pool.ranked(g, RingStrategy::longest_idle, right) == std::vector{b});
    CHECK(pool.ranked(g, RingStrategy::longest_idle, right + seconds(30)) == std::vector{b, a});
    CHECK(pool.audit().empty());
    // And the pool's time runs on from the new clock: b answers and ends, so a is now longest idle.
    REQUIRE(pool.answered(b, right + seconds(31)));
    REQUIRE(pool.call_ended(b, g, right + seconds(32), 1));
    CHECK(pool.ranked(g, RingStrategy::longest_idle, right + seconds(70)) == std::vector{a, b});
  }
}

TEST_CASE("the timer that measured a wrap-up ends it, but only that wrap-up") {
  AgentPool pool;
  const AgentId a = pool.add_agent("a", kStart);
  const GroupId g = pool.add_group("g", std::vector{a}, 30);
  pool.set_presence(a, Presence::available, kStart);
  REQUIRE(pool.answered(a, kStart));
  REQUIRE(pool.call_ended(a, g, kStart + seconds(10), 10));
  const std::uint32_t first = pool.agent(a).calls_answered;
  // The wall clock says 5 s of the wrap-up have passed; the monotonic timer says all 30 s have.
  CHECK(pool.presence(a, kStart + seconds(15)) == Presence::wrap_up);
  CHECK(!pool.wrap_up_over(a, first + 1, kStart + seconds(15)));  // not this wrap-up's timer
  CHECK(pool.presence(a, kStart + seconds(15)) == Presence::wrap_up);
  CHECK(pool.wrap_up_over(a, first, kStart + seconds(15)));
  CHECK(pick(pool, g, RingStrategy::top_down, kStart + seconds(15)) == std::vector{a});
  CHECK(!pool.wrap_up_over(a, first, kStart + seconds(16)));  // over already

  // A late timer of the first wrap-up does not cut the second one short.
  REQUIRE(pool.answered(a, kStart + seconds(20)));
  REQUIRE(pool.call_ended(a, g, kStart + seconds(30), 10));
  CHECK(!pool.wrap_up_over(a, first, kStart + seconds(31)));
  CHECK(pool.presence(a, kStart + seconds(31)) == Presence::wrap_up);
  CHECK(pool.audit().empty());
}
