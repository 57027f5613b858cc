// Issue 5's queue invariants under a randomized office, driven through Engine::apply exactly as
// the daemon drives it (so a bug in the engine's ring selection, offers or queue dispatch fails
// here): callers arrive at ring groups, agents answer or miss, hang up, change presence and
// membership, callers hang up while ringing or queued, time passes (wrap-ups lapse, timers fire).
// Everything the engine returns is "journaled" into a MemoryStore and settled as durable; moves
// are answered as the provider would. After every step the test checks:
//  - an agent is never offered two calls at once (nor a call while talking), as the notices say;
//  - no caller waits while an available member of their group is free;
//  - every caller who entered a queue leaves it exactly once (the engine's own counts balance).
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "flow/compiled_flow.hpp"
#include "store/memory_store.hpp"

using namespace callrouter;

namespace {

enum class Phase { ringing, queued, talking, ended };

struct SimCall {
  int group = 0;
  Phase phase = Phase::ringing;
  std::set<std::string> rung;  // agents its current Dial rings
  std::string agent;           // who took it
  Timestamp answered{};
};

constexpr const char* kStrategies[] = {"parallel", "sequential", "round_robin", "longest_idle",
                                       "fewest_calls", "least_talk_time", "top_down", "random"};

// The users a rendered Dial rings (the renderer below writes "Dial(u1,u2)").
std::set<std::string> dialled(std::string_view document) {
  std::set<std::string> users;
  auto open = document.find("Dial(");
  if (open == std::string_view::npos) return users;
  auto list = document.substr(open + 5, document.find(')', open) - open - 5);
  while (!list.empty()) {
    auto comma = list.find(',');
    users.emplace(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
  }
  return users;
}

std::string render(const flow::CallActions& actions) {
  std::string out;
  for (const auto& a : actions) {
    if (const auto* d = std::get_if<flow::DialAction>(&a)) {
      out += "Dial(";
      for (std::size_t i = 0; i < d->targets.size(); ++i) out += (i ? "," : "") + d->targets[i].user_id;
      out += ")";
    } else if (std::holds_alternative<flow::EnqueueAction>(a)) {
      out += "Enqueue";
    } else if (std::holds_alternative<flow::HangupAction>(a)) {
      out += "Hangup";
    } else {
      out += "Other";
    }
  }
  return out;
}

class QueueOffice {
 public:
  explicit QueueOffice(std::uint64_t seed) : rng_(seed) {
    engine::Directory d;
    d.put_org(org_);
    for (int i = 0; i < 12; ++i) {
      engine::TelephonyUser u;
      u.id = "u" + std::to_string(i);
      u.org_id = "acme";
      u.name = u.id;
      u.client = u.id;
      u.presence = pick(3) == 0 ? "offline" : "available";
      users_.push_back(u);
      d.put_user(u);
    }
    for (int g = 0; g < 4; ++g) {
      engine::TelephonyGroup group{"g" + std::to_string(g), "acme", "group", {}, std::array{0, 5, 30}[pick(3)]};
      for (const auto& u : users_) {
        if (pick(3) == 0) group.members.push_back(u.id);
      }
      groups_.push_back(group);
      d.put_group(group);
      const auto json = fmt::format(
          R"({{"name": "{0}", "start": "ring", "states": [
            {{"id": "ring", "type": "ring_group", "group": "{0}", "strategy": "{1}", "ring_timeout_s": 15,
              "queue": {{"max_callers": 6, "max_wait_s": 3600, "music_url": "https://example.com/hold.mp3"}},
              "on": {{"no_answer": "bye", "timeout": "bye", "queue_full": "bye"}}}},
            {{"id": "bye", "type": "hangup"}}]}})",
          group.id, kStrategies[pick(8)]);
      auto compiled = flow::compile_flow(json);
      REQUIRE(compiled);
      auto v = std::make_shared<engine::PublishedFlow>(
          engine::PublishedFlow{1, "", json, std::make_shared<flow::CompiledFlow>(std::move(*compiled))});
      engine::FlowEntry f;
      f.id = group.id;
      f.org_id = "acme";
      f.enabled = true;
      f.published = v;
      f.versions[1] = v;
      d.put_flow(f);
      d.put_number(engine::NumberEntry{number(g), "acme", "JP", "local", group.id, {}, {}, 0, false});
    }
    engine_.load(std::move(d), {}, now_);
  }

  void run(int steps) {
    for (int step = 0; step < steps; ++step) {
      INFO("step " << step);
      now_ += std::chrono::seconds(std::array{0, 0, 1, 2, 5, 10, 30}[pick(7)]);
      act();
      // Wrap-ups lapse with time: the runtime's timers would serve the queues now.
      apply(engine::QueueTimerEvent{"acme", /*wrap_up_of=*/{}, 0});
      check();
    }
    // Everyone still waiting hangs up: the books must balance.
    for (auto& [id, c] : calls_) {
      if (c.phase == Phase::queued) caller_hangs_up(id);
    }
    const auto& stats = engine_.queue_stats();
    REQUIRE(engine_.queued() == 0);
    REQUIRE(stats.entered == stats.assigned + stats.abandoned + stats.left);
    queued_total = static_cast<int>(stats.entered);
    served_from_queue = static_cast<int>(stats.assigned);
    abandoned = static_cast<int>(stats.abandoned);
  }

  int queued_total = 0, served_from_queue = 0, full = 0, answered = 0, abandoned = 0;

 private:
  static std::string number(int g) { return "+8150000000" + std::to_string(g); }
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  engine::Webhook from() const { return {&org_, {}}; }

  // What the runtime does with an event: journal, settle as durable, deliver, answer moves.
  engine::Effects apply(const engine::Event& event) {
    auto fx = engine_.apply(event, now_);
    if (fx.journal) {
      disk_.apply(fx.change.records);
      engine_.settle(fx.settle, true, now_);
    }
    for (const auto& n : fx.notices) notice(n);
    for (auto& move : fx.moves) {
      disk_.apply(move.change.records);
      engine_.settle(move.settle, true, now_);
      for (const auto& n : move.notices) notice(n);
      auto& c = calls_.at(move.call_sid);
      INFO("call " << move.call_sid << " moved from the queue");
      REQUIRE(c.phase == Phase::queued);
      c.phase = Phase::ringing;
      c.rung = dialled(move.document);
      apply(engine::MoveReplyEvent{"acme", move.call_sid, true, ""});
    }
    for (const auto& [org, user] : fx.set_away) set_presence(user, "away");
    return fx;
  }

  // The agent side of the notices: at most one call offered or taken per agent at any time.
  void notice(const engine::Notice& n) {
    INFO("agent " << n.user_id << ": " << n.message);
    auto sid_at = n.message.find(R"("call_sid":")");
    if (sid_at == std::string::npos) return;  // presence.changed
    auto sid = n.message.substr(sid_at + 12, n.message.find('"', sid_at + 12) - sid_at - 12);
    if (n.message.find(R"("type":"call.offered")") != std::string::npos) {
      INFO("already busy with " << (busy_with_.count(n.user_id) ? busy_with_[n.user_id] : std::string("nothing")));
      REQUIRE(busy_with_.count(n.user_id) == 0);  // never two offers, nor an offer while talking
      busy_with_[n.user_id] = sid;
    } else if (n.message.find(R"("type":"call.ended")") != std::string::npos) {
      REQUIRE(busy_with_[n.user_id] == sid);
      busy_with_.erase(n.user_id);
    } else if (n.message.find(R"("type":"call.connected")") != std::string::npos) {
      REQUIRE(busy_with_[n.user_id] == sid);
    }
  }

  void act() {
    switch (pick(10)) {
      case 0:
      case 1:
      case 2: return new_call();
      case 3: return agent_presence();
      case 4:
      case 5: return ringing_outcome();
      case 6: return hang_up_talking();
      case 7: return queued_hangs_up();
      case 8: return change_membership();
      default: return;  // only time passes
    }
  }

  void follow(const std::string& id, const engine::Effects& fx) {
    auto& c = calls_.at(id);
    REQUIRE(fx.answer);
    const auto& doc = fx.answer->body;
    if (doc.starts_with("Dial(")) {
      c.phase = Phase::ringing;
      c.rung = dialled(doc);
    } else if (doc == "Enqueue") {
      c.phase = Phase::queued;
    } else {
      INFO("document " << doc);
      REQUIRE(doc == "Hangup");
      c.phase = Phase::ended;
      apply(engine::CallStatusEvent{from(), {id, "completed", "inbound", "+819000000000", number(c.group), 9, now_, 0}});
    }
  }

  void new_call() {
    const std::string id = "CA" + std::to_string(next_call_++);
    SimCall call;
    call.group = pick(static_cast<int>(groups_.size()));
    calls_.emplace(id, call);
    const auto to = number(call.group);
    auto fx = apply(engine::CallArrivedEvent{from(), {id, "+819000000000", to, "ringing", "JP"}});
    if (fx.answer && fx.answer->body == "Hangup") ++full;  // nobody free and the queue full
    follow(id, fx);
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
      c.phase = Phase::ended;
      apply(engine::CallStatusEvent{from(), {id, "completed", "inbound", "+819000000000", number(c.group), 9, now_, 0}});
      return;
    }
    if (outcome == 1) {  // nobody answers: the Dial ends, the flow decides what next
      auto record = engine_.calls().find("acme", id);
      REQUIRE(record);
      engine::FlowCallback cb;
      cb.kind = flow::Callback::dial;
      cb.call_sid = id;
      cb.state_id = record->flow_state;
      cb.visit = static_cast<int>(record->flow_path.size());
      cb.event = {flow::EventKind::dial_result, {}, {}, "no-answer"};
      c.rung.clear();
      follow(id, apply(engine::FlowCallbackEvent{from(), cb}));
      return;
    }
    // One of them answers.
    auto it = c.rung.begin();
    std::advance(it, pick(static_cast<int>(c.rung.size())));
    const std::string who = *it;
    apply(engine::AgentLegEvent{from(), {who, id, "CL" + id, "in-progress", {}}});
    c.agent = who;
    c.answered = now_;
    c.phase = Phase::talking;
    ++answered;
  }

  void hang_up_talking() {
    auto id = any_call([](const SimCall& c) { return c.phase == Phase::talking; });
    if (id.empty()) return;
    auto& c = calls_.at(id);
    const auto talk = std::chrono::duration_cast<std::chrono::seconds>(now_ - c.answered).count();
    apply(engine::AgentLegEvent{from(), {c.agent, id, "CL" + id, "completed", talk}});
    apply(engine::CallStatusEvent{from(), {id, "completed", "inbound", "+819000000000", number(c.group), 9, now_, talk + 5}});
    c.phase = Phase::ended;
  }

  void caller_hangs_up(const std::string& id) {
    auto& c = calls_.at(id);
    auto record = engine_.calls().find("acme", id);
    REQUIRE(record);
    engine::FlowCallback cb;
    cb.kind = flow::Callback::queue_result;
    cb.call_sid = id;
    cb.state_id = record->flow_state;
    cb.visit = static_cast<int>(record->flow_path.size());
    cb.event = {flow::EventKind::queue_result, {}, {}, "hangup"};
    apply(engine::FlowCallbackEvent{from(), cb});
    apply(engine::CallStatusEvent{from(), {id, "completed", "inbound", "+819000000000", number(c.group), 9, now_, 0}});
    c.phase = Phase::ended;
  }

  void queued_hangs_up() {
    auto id = any_call([](const SimCall& c) { return c.phase == Phase::queued; });
    if (!id.empty()) caller_hangs_up(id);
  }

  void set_presence(const std::string& user_id, std::string presence) {
    auto user = *engine_.directory().user("acme", user_id);
    user.presence = std::move(presence);
    engine_.directory().put_user(user);
    apply(engine::PresenceStoredEvent{user});
  }

  void agent_presence() {
    const auto& u = users_[static_cast<std::size_t>(pick(static_cast<int>(users_.size())))];
    constexpr const char* kChoices[] = {"available", "available", "away", "offline"};
    set_presence(u.id, kChoices[pick(4)]);
  }

  // What PUT /v1/groups/{id} does: the directory, then the engine's pool.
  void change_membership() {
    auto& g = groups_[static_cast<std::size_t>(pick(static_cast<int>(groups_.size())))];
    const auto& u = users_[static_cast<std::size_t>(pick(static_cast<int>(users_.size())))].id;
    auto it = std::find(g.members.begin(), g.members.end(), u);
    if (it == g.members.end()) {
      g.members.push_back(u);
    } else {
      g.members.erase(it);
    }
    engine_.directory().put_group(g);
    engine_.sync_group("acme", g);
  }

  void check() {
    REQUIRE(engine_.pool("acme").audit() == "");
    for (const auto& [id, c] : calls_) {
      if (c.phase != Phase::queued) continue;
      INFO("queued call " << id << " of " << groups_[static_cast<std::size_t>(c.group)].id);
      // Nobody who could take this caller is free: every member is busy, away, offline or wrapping up.
      for (const auto& m : groups_[static_cast<std::size_t>(c.group)].members) {
        const auto* user = engine_.directory().user("acme", m);
        INFO("member " << m << " is " << engine_.presence_of(*user, now_));
        REQUIRE(engine_.presence_of(*user, now_) != "available");
      }
    }
  }

  std::mt19937_64 rng_;
  store::MemoryStore disk_;
  engine::Engine engine_{disk_, engine::Instructions{[](const flow::CallActions& a, std::string_view, std::string_view) {
                                                      return render(a);
                                                    },
                                                    4000}};
  engine::Org org_{"acme", "Acme", "AC1", "token", "Asia/Tokyo", "", ""};
  Timestamp now_ = Timestamp{} + std::chrono::hours(24 * 20'000);
  std::vector<engine::TelephonyUser> users_;
  std::vector<engine::TelephonyGroup> groups_;
  std::map<std::string, SimCall> calls_;
  std::map<std::string, std::string> busy_with_;  // agent -> the call it is offered or talking on
  int next_call_ = 0;
};

}  // namespace

TEST_CASE("queued callers: never a free agent while someone waits, each leaves once", "[engine][queue][simulation]") {
  for (std::uint64_t seed : {1u, 2u, 3u, 4u, 5u}) {
    INFO("seed " << seed);
    QueueOffice office(seed);
    office.run(8000);
    // The run must have exercised the queue, not just rung free agents.
    CHECK(office.queued_total > 200);
    CHECK(office.served_from_queue > 100);
    CHECK(office.full > 0);
    CHECK(office.abandoned > 20);
    CHECK(office.answered > 300);
  }
}
