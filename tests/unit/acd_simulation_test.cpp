// A randomized office, tens of thousands of events (agents join and leave groups, change presence,
// are offered calls, answer, decline, hang up; time advances), checked after every step against a
// plain model of docs/routing.md: the pool's indexes must agree with a brute-force recomputation.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <string>
#include <tuple>
#include <vector>

#include "acd/agent_pool.hpp"

using namespace callrouter;
using namespace callrouter::acd;
using std::chrono::seconds;

namespace {

constexpr std::array kStrategies{RingStrategy::parallel,     RingStrategy::sequential,   RingStrategy::round_robin,
                                 RingStrategy::longest_idle, RingStrategy::fewest_calls, RingStrategy::least_talk_time,
                                 RingStrategy::top_down,     RingStrategy::random};
constexpr int kMaxMissed = 3;

struct ModelAgent {
  bool removed = false;
  Presence status = Presence::offline;
  Activity activity = Activity::idle;
  int missed = 0;
  std::uint32_t calls = 0;
  std::int64_t talk = 0;
  std::uint64_t seq = 0;
  Timestamp idle{};
  Timestamp wrap_until{};
};

struct ModelGroup {
  GroupId id{};
  int wrap_up_s = 0;
  std::vector<AgentId> members;  // live members in order
  int cursor = -1;               // round_robin: index in members of the one rung last
};

struct Call {
  GroupId group = kNoGroup;
  std::vector<AgentId> ringing;
  AgentId talking = kNoAgent;
};

struct Config {
  int agents;
  int max_agents;
  int groups;
  int steps;
};

class Office {
 public:
  Office(std::uint64_t seed, Config config)
      : config_(config), rng_(seed * 0x9e37 + 1), pool_({.max_missed_in_row = kMaxMissed, .seed = seed}) {
    for (int i = 0; i < config.groups; ++i) {
      const int wrap = std::array{0, 5, 20, 60}[i % 4];
      groups_.push_back({pool_.add_group("g" + std::to_string(i), std::vector<AgentId>{}, wrap), wrap, {}, -1});
    }
    for (int i = 0; i < config.agents; ++i) {
      const AgentId a = add_agent();
      if (rng_.below(10) < 7) set_presence(a, Presence::available);
    }
  }

  void run() {
    for (int step = 0; step < config_.steps; ++step) {
      INFO("step " << step);
      now_ += seconds(std::array{0, 0, 0, 1, 1, 2, 3, 5, 8, 13, 30}[rng_.below(11)]);
      for (auto& m : model_) {
        if (m.activity == Activity::wrap_up && m.wrap_until <= now_) m.activity = Activity::idle;
      }
      act();
      REQUIRE(check() == "");
    }
  }

  int selections = 0, offers = 0, answers = 0, auto_aways = 0;

 private:
  // --- the model's rules (docs/routing.md), written without the pool's code ---
  Presence presence_of(AgentId a) const {
    const ModelAgent& m = model_[index_of(a)];
    if (m.removed) return Presence::offline;
    if (m.activity == Activity::ringing || m.activity == Activity::talking) return Presence::on_call;
    if (m.status != Presence::available) return m.status;
    if (m.activity == Activity::wrap_up && now_ < m.wrap_until) return Presence::wrap_up;
    return Presence::available;
  }
  bool eligible(AgentId a) const { return presence_of(a) == Presence::available; }
  ModelAgent& m(AgentId a) { return model_[index_of(a)]; }

  std::vector<AgentId> brute(const ModelGroup& g, RingStrategy s) const {
    std::vector<AgentId> e;
    if (s == RingStrategy::round_robin) {
      const std::size_t start = g.cursor + 1 >= static_cast<int>(g.members.size()) ? 0 : g.cursor + 1;
      for (std::size_t i = 0; i < g.members.size(); ++i) {
        const AgentId a = g.members[(start + i) % g.members.size()];
        if (eligible(a)) e.push_back(a);
      }
      return e;
    }
    for (AgentId a : g.members) {
      if (eligible(a)) e.push_back(a);
    }
    auto key = [&](AgentId a) {
      const ModelAgent& x = model_[index_of(a)];
      const auto idle = x.idle.time_since_epoch().count();
      switch (s) {
        case RingStrategy::sequential: return std::tuple<std::int64_t, std::int64_t, std::uint32_t>(x.seq, 0, index_of(a));
        case RingStrategy::fewest_calls: return std::tuple<std::int64_t, std::int64_t, std::uint32_t>(x.calls, idle, index_of(a));
        case RingStrategy::least_talk_time: return std::tuple<std::int64_t, std::int64_t, std::uint32_t>(x.talk, idle, index_of(a));
        default: return std::tuple<std::int64_t, std::int64_t, std::uint32_t>(idle, 0, index_of(a));
      }
    };
    if (s != RingStrategy::top_down && s != RingStrategy::random) {
      std::sort(e.begin(), e.end(), [&](AgentId x, AgentId y) { return key(x) < key(y); });
    }
    return e;
  }

  // --- actions ---
  AgentId add_agent() {
    const AgentId a = pool_.add_agent("u" + std::to_string(model_.size()), now_);
    REQUIRE(index_of(a) == model_.size());
    model_.push_back({});
    model_.back().idle = now_;
    for (auto& g : groups_) {
      if (rng_.below(2) == 0) {
        REQUIRE(pool_.add_member(g.id, a));
        g.members.push_back(a);
      }
    }
    return a;
  }

  void set_presence(AgentId a, Presence p) {
    REQUIRE(pool_.set_presence(a, p, now_));
    ModelAgent& x = m(a);
    if (x.status == p) return;
    x.status = p;
    if (p == Presence::available) {
      x.seq = ++seq_;
      x.idle = now_;
      x.missed = 0;
    }
  }

  void leave(ModelGroup& g, AgentId a) {
    auto it = std::find(g.members.begin(), g.members.end(), a);
    if (it == g.members.end()) return;
    const int i = static_cast<int>(it - g.members.begin());
    g.members.erase(it);
    if (i <= g.cursor) --g.cursor;
  }

  std::vector<AgentId> live_agents() const {
    std::vector<AgentId> v;
    for (std::uint32_t i = 0; i < model_.size(); ++i) {
      if (!model_[i].removed) v.push_back(AgentId{i});
    }
    return v;
  }
  template <class V>
  auto& any_of(V& v) {
    return v[rng_.below(static_cast<std::uint32_t>(v.size()))];
  }

  void new_call() {
    ModelGroup& g = any_of(groups_);
    const RingStrategy s = kStrategies[rng_.below(kStrategies.size())];
    const std::size_t k = 1 + rng_.below(12);
    std::vector<AgentId> skip;
    if (rng_.below(3) == 0 && !g.members.empty()) {
      for (std::uint32_t i = 1 + rng_.below(3); i > 0; --i) skip.push_back(any_of(g.members));
      if (rng_.below(4) == 0) skip.push_back(AgentId{rng_.below(static_cast<std::uint32_t>(model_.size()))});
    }
    std::vector<AgentId> expected;
    for (AgentId a : brute(g, s)) {
      if (std::find(skip.begin(), skip.end(), a) == skip.end()) expected.push_back(a);
    }
    std::vector<AgentId> out(k);
    out.resize(pool_.select(g.id, s, now_, out, skip));
    ++selections;
    INFO("strategy " << static_cast<int>(s) << " k " << k << " skip " << skip.size());
    if (expected.empty()) {
      REQUIRE(out.empty());
      return;
    }
    REQUIRE(!out.empty());  // someone eligible: someone chosen
    if (s == RingStrategy::parallel) {
      expected.resize(std::min(k, expected.size()));
      REQUIRE(out == expected);
    } else if (s == RingStrategy::random) {
      REQUIRE(out.size() == 1);
      REQUIRE(std::find(expected.begin(), expected.end(), out[0]) != expected.end());
    } else {
      REQUIRE(out == std::vector{expected[0]});
    }
    if (s == RingStrategy::round_robin) {
      g.cursor = static_cast<int>(std::find(g.members.begin(), g.members.end(), out[0]) - g.members.begin());
    }
    if (rng_.below(8) == 0) return;  // selected, never rung (the caller hung up first)
    Call call{g.id, {}, kNoAgent};
    for (AgentId a : out) {
      REQUIRE(eligible(a));
      REQUIRE(pool_.offered(a, now_));
      REQUIRE(!pool_.offered(a, now_));  // never two offers at once
      m(a).activity = Activity::ringing;
      call.ringing.push_back(a);
      ++offers;
    }
    calls_.push_back(std::move(call));
  }

  Call* ringing_call() {
    std::vector<Call*> v;
    for (auto& c : calls_) {
      if (!c.ringing.empty()) v.push_back(&c);
    }
    return v.empty() ? nullptr : any_of(v);
  }

  void answer() {
    Call* c = ringing_call();
    if (c == nullptr) return;
    const AgentId a = any_of(c->ringing);
    REQUIRE(pool_.answered(a, now_));
    ++answers;
    ModelAgent& x = m(a);
    x.activity = Activity::talking;
    ++x.calls;
    x.missed = 0;
    x.seq = ++seq_;
    for (AgentId other : c->ringing) {
      if (other == a) continue;
      REQUIRE(pool_.offer_cancelled(other, now_));
      m(other).activity = Activity::idle;
    }
    c->ringing.clear();
    c->talking = a;
  }

  void decline() {
    Call* c = ringing_call();
    if (c == nullptr) return;
    AgentId& slot = any_of(c->ringing);
    const AgentId a = slot;
    REQUIRE(pool_.declined_or_missed(a, now_));
    ModelAgent& x = m(a);
    x.activity = Activity::idle;
    if (++x.missed >= kMaxMissed && x.status == Presence::available) {
      x.status = Presence::away;
      ++auto_aways;
    }
    std::erase(c->ringing, a);
    drop_finished();
  }

  void cancel() {
    Call* c = ringing_call();
    if (c == nullptr) return;
    for (AgentId a : c->ringing) {
      REQUIRE(pool_.offer_cancelled(a, now_));
      m(a).activity = Activity::idle;
    }
    c->ringing.clear();
    drop_finished();
  }

  void hang_up() {
    std::vector<Call*> v;
    for (auto& c : calls_) {
      if (c.talking != kNoAgent) v.push_back(&c);
    }
    if (v.empty()) return;
    Call* c = any_of(v);
    const AgentId a = c->talking;
    const std::int64_t talk = rng_.below(600);
    REQUIRE(pool_.call_ended(a, c->group, now_, talk));
    ModelAgent& x = m(a);
    x.talk += talk;
    x.idle = now_;
    const int wrap = c->group == kNoGroup ? 0 : groups_[index_of(c->group)].wrap_up_s;
    x.activity = wrap > 0 ? Activity::wrap_up : Activity::idle;
    x.wrap_until = now_ + seconds(wrap);
    c->talking = kNoAgent;
    drop_finished();
  }

  // An agent places a call: from idle, or during wrap-up (which leaves a stale wrap-up deadline
  // behind that must not free the agent early), so agents in wrap-up are preferred.
  void outbound() {
    std::vector<AgentId> idle, wrapping;
    for (AgentId a : live_agents()) {
      if (m(a).activity == Activity::idle) idle.push_back(a);
      if (m(a).activity == Activity::wrap_up) wrapping.push_back(a);
    }
    auto& v = !wrapping.empty() && (idle.empty() || rng_.below(4) != 0) ? wrapping : idle;
    if (v.empty()) return;
    const AgentId a = any_of(v);
    REQUIRE(pool_.answered(a, now_));
    ModelAgent& x = m(a);
    x.activity = Activity::talking;
    ++x.calls;
    x.missed = 0;
    x.seq = ++seq_;
    calls_.push_back({rng_.below(4) == 0 ? kNoGroup : any_of(groups_).id, {}, a});
  }

  void remove_agent() {
    auto live = live_agents();
    if (live.size() < 5) return;
    const AgentId a = any_of(live);
    REQUIRE(pool_.remove_agent(a));
    m(a).removed = true;
    for (auto& g : groups_) leave(g, a);
    for (auto& c : calls_) {
      std::erase(c.ringing, a);
      if (c.talking == a) c.talking = kNoAgent;
    }
    drop_finished();
  }

  void add_member() {
    ModelGroup& g = any_of(groups_);
    auto live = live_agents();
    const AgentId a = any_of(live);
    const bool member = std::find(g.members.begin(), g.members.end(), a) != g.members.end();
    REQUIRE(pool_.add_member(g.id, a) == !member);
    if (!member) g.members.push_back(a);
  }

  void remove_member() {
    ModelGroup& g = any_of(groups_);
    if (g.members.empty()) return;
    const AgentId a = any_of(g.members);
    REQUIRE(pool_.remove_member(g.id, a));
    REQUIRE(!pool_.remove_member(g.id, a));
    leave(g, a);
  }

  void redefine_group() {
    ModelGroup& g = any_of(groups_);
    std::vector<AgentId> members = live_agents();
    std::erase_if(members, [&](AgentId) { return rng_.below(3) == 0; });
    for (std::size_t i = members.size(); i > 1; --i) std::swap(members[i - 1], members[rng_.below(static_cast<std::uint32_t>(i))]);
    g.wrap_up_s = std::array{0, 5, 20, 60}[rng_.below(4)];
    REQUIRE(pool_.add_group("g" + std::to_string(index_of(g.id)), members, g.wrap_up_s) == g.id);
    g.members = members;
    g.cursor = -1;
  }

  // Events that do not fit the agent's state must change nothing.
  void misfit_events() {
    const AgentId a{rng_.below(static_cast<std::uint32_t>(model_.size()))};
    const ModelAgent& x = m(a);
    if (!eligible(a)) REQUIRE(!pool_.offered(a, now_));
    if (x.removed || x.activity != Activity::ringing) {
      REQUIRE(!pool_.declined_or_missed(a, now_));
      REQUIRE(!pool_.offer_cancelled(a, now_));
    }
    if (x.removed || x.activity != Activity::talking) REQUIRE(!pool_.call_ended(a, any_of(groups_).id, now_, 10));
    if (x.removed || x.activity == Activity::talking) REQUIRE(!pool_.answered(a, now_));
  }

  void drop_finished() {
    std::erase_if(calls_, [](const Call& c) { return c.ringing.empty() && c.talking == kNoAgent; });
  }

  void act() {
    const auto w = rng_.below(1000);
    if (w < 120) {
      auto live = live_agents();
      const AgentId a = any_of(live);
      set_presence(a, std::array{Presence::available, Presence::available, Presence::available, Presence::away,
                                 Presence::offline}[rng_.below(5)]);
    } else if (w < 400) {
      new_call();
    } else if (w < 520) {
      answer();
    } else if (w < 600) {
      decline();
    } else if (w < 630) {
      cancel();
    } else if (w < 760) {
      hang_up();
    } else if (w < 790) {
      outbound();
    } else if (w < 800) {
      if (static_cast<int>(live_agents().size()) < config_.max_agents) add_agent();
    } else if (w < 810) {
      remove_agent();
    } else if (w < 835) {
      add_member();
    } else if (w < 865) {
      remove_member();
    } else if (w < 868) {
      redefine_group();
    } else if (w < 950) {
      misfit_events();
    }  // else: time passes
  }

  // --- the invariants ---
  std::string check() {
    for (const auto& g : groups_) {
      for (auto s : kStrategies) {
        const auto want = brute(g, s);
        const auto got = pool_.ranked(g.id, s, now_);
        if (s == RingStrategy::random ? got.size() != want.size() : got != want) {
          return "group " + std::to_string(index_of(g.id)) + " strategy " + std::to_string(static_cast<int>(s)) +
                 ": index disagrees with brute force";
        }
      }
      if (pool_.ranked(g.id, RingStrategy::random, now_) != brute(g, RingStrategy::top_down)) {
        return "random's eligible set is wrong";
      }
      std::vector<AgentId> live;
      for (AgentId a : pool_.group(g.id).slots()) {
        if (a != kNoAgent) live.push_back(a);
      }
      if (live != g.members) return "member order differs";
    }
    if (auto error = pool_.audit(); !error.empty()) return "audit: " + error;
    for (std::uint32_t i = 0; i < model_.size(); ++i) {
      const AgentId a{i};
      const ModelAgent& x = model_[i];
      const AgentState& y = pool_.agent(a);
      const std::string who = "agent " + std::to_string(i) + ": ";
      if (pool_.presence(a, now_) != presence_of(a)) return who + "presence";
      if (pool_.eligible(a, now_) != eligible(a)) return who + "eligibility";
      if (y.removed != x.removed) return who + "removed";
      if (x.removed) continue;
      if (y.status != x.status) return who + "status";
      if (y.activity != x.activity) return who + "activity";
      if (y.missed_in_row != x.missed || y.calls_answered != x.calls || y.talk_s != x.talk || y.idle_since != x.idle) {
        return who + "counters";
      }
      if (x.activity == Activity::wrap_up && y.wrap_up_until != x.wrap_until) return who + "wrap-up deadline";
    }
    return {};
  }

  Config config_;
  SplitMix64 rng_;
  AgentPool pool_;
  Timestamp now_ = Timestamp{} + std::chrono::hours(24 * 20'000);
  std::vector<ModelAgent> model_;
  std::vector<ModelGroup> groups_;
  std::vector<Call> calls_;
  std::uint64_t seq_ = 0;
};

}  // namespace

TEST_CASE("randomized office: indexes agree with brute force after every step") {
  // Small offices hit every edge often; the big one gives the heaps and bitsets several levels.
  for (auto [seed, config] : {std::pair{1ULL, Config{40, 60, 4, 25'000}}, std::pair{2ULL, Config{12, 20, 3, 25'000}},
                             std::pair{3ULL, Config{300, 400, 2, 20'000}}}) {
    CAPTURE(seed);
    Office office(seed, config);
    office.run();
    // The run must have exercised what it claims to check.
    CHECK(office.selections > config.steps / 5);
    CHECK(office.offers > config.steps / 10);
    CHECK(office.answers > config.steps / 20);
    CHECK(office.auto_aways > 0);
  }
}
