// Issue 5's queue invariants under a randomized office: callers arrive at ring groups (ringing an
// agent or waiting in the group's queue), agents answer, decline, hang up, change presence and
// membership, callers hang up while ringing or queued, time passes (wrap-ups lapse). After every
// step the queues are served the way the app serves them, and the test checks:
//  - an agent is never offered two calls at once (nor a call while talking);
//  - no caller waits while an eligible member of their group is free (available, not in wrap-up);
//  - every caller who entered a queue leaves it exactly once;
//  - each caller's place in line matches a brute-force count.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "acd/agent_pool.hpp"
#include "acd/call_queue.hpp"

using namespace callrouter;
using namespace callrouter::acd;

namespace {

enum class Phase { ringing, queued, talking, ended };

struct SimCall {
  int group = 0;
  Phase phase = Phase::ringing;
  std::vector<AgentId> rung;
  AgentId agent = kNoAgent;
  Timestamp answered{};
  int rounds = 0;
  int entered = 0;  // times this caller entered a queue
  int left = 0;     // times CallQueues said it left
};

struct SimGroup {
  GroupId id{};
  std::string name;
  RingStrategy strategy{};
  int priority = 0;
  std::vector<AgentId> members;
};

class QueueOffice {
 public:
  explicit QueueOffice(std::uint64_t seed) : rng_(seed), pool_({.max_missed_in_row = 3, .seed = seed}) {
    constexpr RingStrategy kStrategies[] = {RingStrategy::parallel, RingStrategy::sequential, RingStrategy::round_robin,
                                            RingStrategy::longest_idle, RingStrategy::fewest_calls,
                                            RingStrategy::least_talk_time, RingStrategy::top_down, RingStrategy::random};
    for (int i = 0; i < 12; ++i) agents_.push_back(pool_.add_agent("u" + std::to_string(i), now_));
    for (int g = 0; g < 4; ++g) {
      SimGroup group{{}, "g" + std::to_string(g), kStrategies[pick(8)], pick(3) - 1, {}};
      for (AgentId a : agents_) {
        if (pick(3) == 0) group.members.push_back(a);
      }
      group.id = pool_.add_group(group.name, group.members, std::array{0, 5, 30}[pick(3)]);
      groups_.push_back(std::move(group));
    }
  }

  void run(int steps) {
    for (int step = 0; step < steps; ++step) {
      INFO("step " << step);
      now_ += std::chrono::seconds(std::array{0, 0, 1, 2, 5, 10, 30}[pick(7)]);
      act();
      serve_queues();
      check();
    }
    // Everyone still waiting hangs up: the books must balance.
    for (auto& [id, c] : calls_) {
      if (c.phase == Phase::queued) caller_leaves_queue(id, c);
    }
    REQUIRE(queues_.size() == 0);
    for (const auto& [id, c] : calls_) {
      INFO("call " << id);
      REQUIRE(c.left == c.entered);
    }
  }

  int queued_total = 0, served_from_queue = 0, full = 0, answered = 0, abandoned = 0;

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  void act() {
    switch (pick(10)) {
      case 0:
      case 1:
      case 2: return new_call();
      case 3: return agent_presence();
      case 4: return ringing_outcome();
      case 5: return ringing_outcome();
      case 6: return hang_up_talking();
      case 7: return queued_hangs_up();
      case 8: return change_membership();
      default: return;  // only time passes
    }
  }

  void new_call() {
    const std::string id = "CA" + std::to_string(next_call_++);
    SimCall call;
    call.group = pick(static_cast<int>(groups_.size()));
    auto& c = calls_.emplace(id, call).first->second;
    if (!ring(id, c)) enqueue(id, c);
  }

  // Rings the call's group the way the app's ring selector does; false when nobody can be rung.
  bool ring(const std::string& id, SimCall& c) {
    const auto& g = groups_[static_cast<std::size_t>(c.group)];
    std::array<AgentId, kMaxRingTargets> chosen{};
    const auto n = pool_.select(g.id, g.strategy, now_, chosen);
    if (n == 0) return false;
    c.rung.assign(chosen.begin(), chosen.begin() + static_cast<std::ptrdiff_t>(n));
    for (AgentId a : c.rung) {
      INFO("agent " << index_of(a) << " offered call " << id);
      REQUIRE(busy_with_.count(index_of(a)) == 0);  // never two offers (or an offer while talking)
      REQUIRE(pool_.offered(a, now_));
      busy_with_[index_of(a)] = id;
    }
    c.phase = Phase::ringing;
    return true;
  }

  void enqueue(const std::string& id, SimCall& c) {
    const auto& g = groups_[static_cast<std::size_t>(c.group)];
    if (queues_.enqueue(id, g.name, g.priority, 6, now_) == EnqueueResult::full) {
      ++full;
      c.phase = Phase::ended;
      return;
    }
    ++c.entered;
    ++queued_total;
    c.phase = Phase::queued;
  }

  void serve_queues() {
    queues_.serve([&](const QueuedCaller& q) -> std::optional<bool> {
      auto& c = calls_.at(q.call_id);
      REQUIRE(c.phase == Phase::queued);
      if (!ring(q.call_id, c)) return false;
      ++c.left;
      ++served_from_queue;
      return true;
    });
  }

  void free_offers(SimCall& c, AgentId except) {
    for (AgentId a : c.rung) {
      busy_with_.erase(index_of(a));
      if (a != except) REQUIRE(pool_.offer_cancelled(a, now_));
    }
    c.rung.clear();
  }

  template <class Pred>
  std::string any_call(Pred pred) {
    std::vector<std::string> ids;
    for (const auto& [id, c] : calls_) {
      if (pred(c)) ids.push_back(id);
    }
    return ids.empty() ? std::string{} : ids[static_cast<std::size_t>(pick(static_cast<int>(ids.size())))];
  }

  void ringing_outcome() {
    auto id = any_call([](const SimCall& c) { return c.phase == Phase::ringing; });
    if (id.empty()) return;
    auto& c = calls_.at(id);
    const int outcome = pick(4);
    if (outcome == 0) {  // the caller hangs up while it rings
      free_offers(c, kNoAgent);
      c.phase = Phase::ended;
    } else if (outcome == 1) {  // nobody answers: each agent missed it; ring again or wait in line
      for (AgentId a : c.rung) {
        busy_with_.erase(index_of(a));
        REQUIRE(pool_.declined_or_missed(a, now_));
      }
      c.rung.clear();
      if (++c.rounds > 3 || !ring(id, c)) enqueue(id, c);
    } else {  // one of them answers
      const AgentId who = c.rung[static_cast<std::size_t>(pick(static_cast<int>(c.rung.size())))];
      free_offers(c, who);
      REQUIRE(pool_.answered(who, now_));
      busy_with_[index_of(who)] = id;
      c.agent = who;
      c.answered = now_;
      c.phase = Phase::talking;
      ++answered;
    }
  }

  void hang_up_talking() {
    auto id = any_call([](const SimCall& c) { return c.phase == Phase::talking; });
    if (id.empty()) return;
    auto& c = calls_.at(id);
    const auto talk = std::chrono::duration_cast<std::chrono::seconds>(now_ - c.answered).count();
    REQUIRE(pool_.call_ended(c.agent, groups_[static_cast<std::size_t>(c.group)].id, now_, talk));
    busy_with_.erase(index_of(c.agent));
    c.phase = Phase::ended;
  }

  void caller_leaves_queue(const std::string& id, SimCall& c) {
    const bool first = queues_.leave(id);
    REQUIRE(first);
    REQUIRE_FALSE(queues_.leave(id));  // a second report of the same hang-up changes nothing
    ++c.left;
    c.phase = Phase::ended;
  }

  void queued_hangs_up() {
    auto id = any_call([](const SimCall& c) { return c.phase == Phase::queued; });
    if (id.empty()) return;
    caller_leaves_queue(id, calls_.at(id));
    ++abandoned;
  }

  void agent_presence() {
    const AgentId a = agents_[static_cast<std::size_t>(pick(static_cast<int>(agents_.size())))];
    constexpr Presence kChoices[] = {Presence::available, Presence::available, Presence::away, Presence::offline};
    pool_.set_presence(a, kChoices[pick(4)], now_);
  }

  void change_membership() {
    auto& g = groups_[static_cast<std::size_t>(pick(static_cast<int>(groups_.size())))];
    const AgentId a = agents_[static_cast<std::size_t>(pick(static_cast<int>(agents_.size())))];
    auto it = std::find(g.members.begin(), g.members.end(), a);
    if (it == g.members.end()) {
      REQUIRE(pool_.add_member(g.id, a));
      g.members.push_back(a);
    } else {
      REQUIRE(pool_.remove_member(g.id, a));
      g.members.erase(it);
    }
  }

  void check() {
    REQUIRE(pool_.audit() == "");
    std::map<std::string, std::vector<const QueuedCaller*>> lines;
    queues_.serve([&](const QueuedCaller& q) -> std::optional<bool> {
      lines[q.queue].push_back(&q);
      return false;
    });
    for (const auto& [name, line] : lines) {
      for (std::size_t i = 0; i < line.size(); ++i) {
        const auto& c = calls_.at(line[i]->call_id);
        const auto& g = groups_[static_cast<std::size_t>(c.group)];
        INFO("queued call " << line[i]->call_id << " in " << name);
        // Nobody who could take this caller is free: every member is busy, away, offline or wrapping up.
        for (AgentId a : g.members) {
          INFO("member " << index_of(a) << " is " << presence_name(pool_.presence(a, now_)));
          REQUIRE_FALSE(pool_.eligible(a, now_));
        }
        REQUIRE(queues_.position(line[i]->call_id) == i + 1);
      }
    }
  }

  std::mt19937_64 rng_;
  AgentPool pool_;
  CallQueues queues_;
  Timestamp now_{std::chrono::hours(1)};
  std::vector<AgentId> agents_;
  std::vector<SimGroup> groups_;
  std::map<std::string, SimCall> calls_;
  std::map<std::uint32_t, std::string> busy_with_;  // agent -> the call it is offered or talking on
  int next_call_ = 0;
};

}  // namespace

TEST_CASE("queued callers: never a free agent while someone waits, each leaves once", "[acd][queue][simulation]") {
  for (std::uint64_t seed : {1u, 2u, 3u, 4u, 5u}) {
    INFO("seed " << seed);
    QueueOffice office(seed);
    office.run(20000);
    // The run must have exercised the queue, not just rung free agents.
    CHECK(office.queued_total > 500);
    CHECK(office.served_from_queue > 200);
    CHECK(office.full > 0);
    CHECK(office.abandoned > 50);
    CHECK(office.answered > 1000);
  }
}
