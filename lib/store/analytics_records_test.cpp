#include "store/analytics_records.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <deque>
#include <map>
#include <random>

#include "analytics/time_slots.hpp"
#include "journal_loop.hpp"
#include "store/history_records.hpp"
#include "store/memory_store.hpp"

using namespace callrouter;
using namespace callrouter::store;
using namespace std::chrono_literals;
using analytics::CallCounters;
using analytics::Figure;

namespace {

const Timestamp t0 = *parse_rfc3339("2026-12-01T09:50:00Z");

std::int64_t wrap_up_of(std::string_view, std::string_view group) { return group == "sales" ? 10 : 0; }

struct CallState {
  std::string sid, direction = "inbound", status = "ringing", disposition, user, group, flow = "main";
  Timestamp started{};
  std::optional<Timestamp> connected, ended;
  std::string data() const {
    auto opt = [](std::string_view k, const std::string& v) { return v.empty() ? fmt::format(R"("{}":null)", k) : fmt::format(R"("{}":"{}")", k, v); };
    auto time = [](std::string_view k, const std::optional<Timestamp>& t) {
      return t ? fmt::format(R"(,"{}":"{}")", k, format_rfc3339(*t)) : std::string();
    };
    return fmt::format(R"({{"sid":"{}","direction":"{}","from":"+819000000001","to":"+815012345678","status":"{}",{},{},{},{},)"
                       R"("started_at":"{}"{}{}}})",
                       sid, direction, status, opt("disposition", disposition), opt("user_id", user), opt("group_id", group),
                       opt("flow_id", flow), format_rfc3339(started), time("connected_at", connected), time("ended_at", ended));
  }
};

struct Step {
  std::string type;
  Timestamp at;
  std::string data;
  std::string sid;
};

// The events of call n, one of every outcome by n % 7 (as the engine would commit them).
std::vector<Step> call_steps(int n) {
  CallState c;
  c.sid = fmt::format("CA{:04}", n);
  c.started = t0 + std::chrono::seconds(n * 37);
  std::vector<Step> steps;
  auto at = c.started;
  auto step = [&](const char* type, std::chrono::seconds after) {
    at += after;
    steps.push_back({type, at, c.data(), c.sid});
  };
  const int kind = n % 7;
  if (kind == 5) c.direction = "outbound", c.user = "u_kato", c.flow.clear();
  if (kind == 6) c.disposition = "rejected";
  step("call.ringing", 0s);
  switch (kind) {
    case 0:
    case 1: {  // queued, then answered by an agent of sales
      step("queue.joined", 3s);
      c.user = n % 2 ? "u_sato" : "u_kato";
      c.group = "sales";
      step("queue.left", std::chrono::seconds(5 + n % 40));
      c.connected = at + 2s;
      step("call.answered", 2s);
      c.status = "completed", c.disposition = "answered", c.ended = at + std::chrono::seconds(30 + n);
      step("call.ended", std::chrono::seconds(30 + n));
      break;
    }
    case 2: {  // abandoned in the queue
      step("queue.joined", 3s);
      step("queue.abandoned", std::chrono::seconds(10 + n % 50));
      c.status = "completed", c.disposition = "abandoned", c.ended = at;
      step("call.ended", 0s);
      break;
    }
    case 3:
      c.status = "no-answer", c.disposition = "missed", c.ended = at + 25s;
      step("call.missed", 25s);
      step("call.ended", 0s);
      break;
    case 4:
      c.disposition = "voicemail";
      step("call.voicemail", 40s);
      c.status = "completed", c.ended = at + 1s;
      step("call.ended", 1s);
      break;
    case 5:
      c.connected = at + 8s;
      step("call.answered", 8s);
      c.status = "completed", c.disposition = "answered", c.ended = at + 61s;
      step("call.ended", 61s);
      break;
    case 6:
      c.status = "completed", c.ended = at + 1s;
      step("call.ended", 1s);
      break;
  }
  return steps;
}

// What the call log says, summed the way analytics must: per slot of the start, org total and per user.
struct Figures {
  std::map<std::int64_t, CallCounters> by_slot;
  std::map<std::string, CallCounters> by_user;
};

Figures recompute(const Reader& store, int calls) {
  Figures f;
  for (int n = 0; n < calls; ++n) {
    const auto started = t0 + std::chrono::seconds(n * 37);
    auto row = read_history_row(store, "acme", started, fmt::format("CA{:04}", n));
    if (!row) continue;
    std::vector<history::TimedFact> facts;
    for (const auto& [seq, fact] : row->facts) facts.push_back(fact);
    auto call = history::read_history_call(row->data, facts);
    REQUIRE(call);
    auto c = analytics::call_counters(*call, wrap_up_of("acme", call->group_id));
    if (c.empty()) continue;
    f.by_slot[analytics::slot_seconds(analytics::slot_floor(started))] += c;
    if (!call->user_id.empty()) f.by_user[call->user_id] += c;
  }
  return f;
}

Figures stored(const Reader& store) {
  Figures f;
  scan_analytics(store, "acme", AnalyticsDimension::total, 0, INT64_MAX,
                 [&](std::int64_t slot, std::string_view, const CallCounters& c) { f.by_slot[slot] += c; });
  scan_analytics(store, "acme", AnalyticsDimension::user, 0, INT64_MAX,
                 [&](std::int64_t, std::string_view user, const CallCounters& c) { f.by_user[std::string(user)] += c; });
  std::erase_if(f.by_slot, [](const auto& kv) { return kv.second.empty(); });
  std::erase_if(f.by_user, [](const auto& kv) { return kv.second.empty(); });
  return f;
}

}  // namespace

TEST_CASE("analytics keys keep their byte layout") {
  CHECK(analytics_key("acme", AnalyticsDimension::user, 0x0102030405060708, "u_sato") ==
        std::string("acme\0u\0\x01\x02\x03\x04\x05\x06\x07\x08u_sato", 21));
}

TEST_CASE("one queued answered call: totals, its user, group, number and flow, in its start's slot") {
  MemoryStore store;
  AnalyticsCounters counters(store, wrap_up_of);
  std::uint64_t seq = 0;
  for (const auto& s : call_steps(0)) {
    WriteSet ops;
    events::Event e{"acme", ++seq, s.type, s.at, s.sid, s.data};
    derive_history(e, ops);
    counters.derive(e, ops);
    store.apply(ops);
    counters.committed(e);
  }
  CHECK(counters.views() == 0);  // ended and durable: nothing kept in memory
  const auto slot = analytics::slot_seconds(analytics::slot_floor(t0));
  for (auto [dim, value] : std::vector<std::pair<AnalyticsDimension, std::string>>{
           {AnalyticsDimension::total, ""}, {AnalyticsDimension::user, "u_kato"}, {AnalyticsDimension::group, "sales"},
           {AnalyticsDimension::number, "+815012345678"}, {AnalyticsDimension::flow, "main"}}) {
    auto v = store.get(Cf::analytics, analytics_key("acme", dim, slot, value));
    REQUIRE(v);
    auto c = analytics::decode_counters(*v);
    REQUIRE(c);
    CHECK((*c)[Figure::offered] == 1);
    CHECK((*c)[Figure::answered] == 1);
    CHECK((*c)[Figure::queued_answered] == 1);
    CHECK((*c)[Figure::wait_s_sum] == 5);
    CHECK((*c)[Figure::talk_s] == 30);
    CHECK((*c)[Figure::wrap_up_s] == 10);
  }
  CHECK(store.size(Cf::analytics) == 5);
}

TEST_CASE("figures equal a recomputation from the call log across batches, refusals and restarts") {
  constexpr int kCalls = 300;
  std::mt19937 rng(16);
  // Every call's events, interleaved as calls overlap; each call's own order kept.
  std::vector<std::deque<Step>> pending;
  for (int n = 0; n < kCalls; ++n) {
    auto steps = call_steps(n);
    pending.emplace_back(steps.begin(), steps.end());
  }
  MemoryStore store;
  auto counters = std::make_unique<AnalyticsCounters>(store, wrap_up_of);
  std::uint64_t seq = 0;
  struct Batch {
    WriteSet ops;
    std::vector<events::Event> events;
    std::vector<std::pair<std::size_t, Step>> taken;  // to put back if refused
  };
  std::deque<Batch> in_flight;
  std::size_t refusals = 0, restarts = 0;
  auto next_call = [&]() -> std::optional<std::size_t> {
    std::vector<std::size_t> open;
    for (std::size_t i = 0; i < pending.size() && open.size() < 12; ++i) {
      if (!pending[i].empty()) open.push_back(i);
    }
    if (open.empty()) return std::nullopt;
    return open[std::uniform_int_distribution<std::size_t>(0, open.size() - 1)(rng)];
  };
  for (;;) {
    auto i = next_call();
    if (!i && in_flight.empty()) break;
    if (i) {
      // A change: one to three events of one call in one batch.
      Batch b;
      const int n = std::uniform_int_distribution<int>(1, 3)(rng);
      for (int k = 0; k < n && !pending[*i].empty(); ++k) {
        auto s = pending[*i].front();
        pending[*i].pop_front();
        events::Event e{"acme", ++seq, s.type, s.at, s.sid, s.data};
        derive_history(e, b.ops);
        counters->derive(e, b.ops);
        b.events.push_back(e);
        b.taken.emplace_back(*i, std::move(s));
      }
      in_flight.push_back(std::move(b));
    }
    if (in_flight.size() < 3 && i && rng() % 2) continue;  // more in flight before the journal answers
    const auto roll = rng() % 20;
    if (roll <= 1) {
      // Refused (0), or kill -9 (1): every batch in flight is lost, their seqs free again, their
      // events not happened; after a kill the memory is gone too and the journal is what was durable.
      (roll == 0 ? refusals : restarts) += 1;
      seq = in_flight.front().events.front().seq - 1;
      for (auto it = in_flight.rbegin(); it != in_flight.rend(); ++it) {
        for (auto t = it->taken.rbegin(); t != it->taken.rend(); ++t) pending[t->first].push_front(t->second);
      }
      in_flight.clear();
      if (roll == 1) counters = std::make_unique<AnalyticsCounters>(store, wrap_up_of);
      continue;
    }
    auto b = std::move(in_flight.front());
    in_flight.pop_front();
    store.apply(b.ops);
    for (const auto& e : b.events) counters->committed(e);
  }
  CHECK(refusals > 3);
  CHECK(restarts > 3);
  const auto expected = recompute(store, kCalls);
  const auto got = stored(store);
  REQUIRE(expected.by_slot.size() > 10);
  CHECK(got.by_slot == expected.by_slot);
  CHECK(got.by_user == expected.by_user);
  CallCounters all;
  for (const auto& [slot, c] : got.by_slot) all += c;
  CHECK(all[Figure::offered] + all[Figure::outbound_placed] == kCalls);
  CHECK(all[Figure::abandoned] > 0);
  CHECK(all[Figure::voicemail] > 0);
  CHECK(all[Figure::rejected] > 0);
  CHECK(all[Figure::outbound_answered] > 0);
  CHECK(counters->views() == 0);
}

TEST_CASE("the journal adds merged counters, also after reopening") {
  testing::TempDir dir;
  testing::Loop loop;
  const auto key = analytics_key("acme", AnalyticsDimension::total, 900, "");
  CallCounters one;
  one[Figure::offered] = 1;
  one[Figure::talk_s] = 40;
  {
    auto journal = Journal::open(dir.path, Durability::fsync, loop.post());
    REQUIRE(journal);
    WriteSet ops{{Cf::analytics, key, analytics::encode_counters(one), false, true},
                 {Cf::analytics, key, analytics::encode_counters(one), false, true}};
    REQUIRE((*journal)->write_now(ops));
    (*journal)->close();
  }
  auto journal = Journal::open(dir.path, Durability::fsync, loop.post());
  REQUIRE(journal);
  REQUIRE((*journal)->write_now({{Cf::analytics, key, analytics::encode_counters(one), false, true}}));
  auto v = (*journal)->get(Cf::analytics, key);
  REQUIRE(v);
  auto c = analytics::decode_counters(*v);
  REQUIRE(c);
  CHECK((*c)[Figure::offered] == 3);
  CHECK((*c)[Figure::talk_s] == 120);
  (*journal)->close();
}
