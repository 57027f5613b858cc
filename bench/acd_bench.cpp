// Agent selection benchmark (DESIGN §5: < 2 µs with 10,000 agents in a group): ns per select() for
// every ring strategy while a real call's events churn the indexes, and bytes per agent at 50,000
// agents. Results: bench/results/acd.json (or argv[1]); table in docs/routing-performance.md.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "acd/agent_pool.hpp"

// Counting every heap allocation: selection and call events must not allocate once warm.
static std::atomic<std::uint64_t> g_allocations{0};
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using namespace callrouter;
using namespace callrouter::acd;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

constexpr int kGroupAgents = 10'000;
constexpr int kInFlight = 500;        // calls being talked at once; the oldest ends as a new one starts
constexpr int kWrapUpS = 5;           // with 10 ms between calls: ~500 agents in wrap-up at any time
constexpr int kWarm = 20'000;
constexpr int kMeasured = 200'000;
constexpr int kMemoryAgents = 50'000;

const Timestamp kStart = Timestamp{} + std::chrono::hours(24 * 20'000);

struct StrategyResult {
  std::string name;
  double median_ns, p99_ns, mean_ns, cycle_mean_ns, allocations_per_call;
  double picked_per_select;
};

std::int64_t ns_since(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count();
}

double percentile(std::vector<std::int64_t>& v, double q) {
  std::sort(v.begin(), v.end());
  return static_cast<double>(v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))]);
}

// `second_round`: time the engine's retry instead, select() skipping the agents of the first round.
StrategyResult run(RingStrategy strategy, std::string name, bool second_round = false) {
  AgentPool pool({.max_missed_in_row = 3, .seed = 1});
  std::vector<AgentId> agents;
  Timestamp now = kStart;
  for (int i = 0; i < kGroupAgents; ++i) {
    agents.push_back(pool.add_agent(fmt::format("u{:05d}", i), now));
    // Half available (interleaved with the away half, so member order is no shortcut), in a shuffled
    // arrival order so that sequential/longest-idle keys are not the member order either.
    if (i % 2 == 0) pool.set_presence(agents.back(), Presence::available, now + milliseconds((i * 7919) % 10'007));
  }
  now += seconds(20);
  const GroupId group = pool.add_group("sales", agents, kWrapUpS);

  std::vector<AgentId> talking(kInFlight, kNoAgent);
  std::vector<AgentId> out(kMaxRingTargets);
  std::vector<AgentId> first_round;
  first_round.reserve(kMaxRingTargets);
  std::vector<std::int64_t> select_ns;
  select_ns.reserve(kMeasured);
  std::uint64_t x = 12345;  // the benchmark's own cheap randomness (talk times, declines, presence churn)
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  std::int64_t cycle_ns = 0;
  std::uint64_t picked = 0, allocations = 0;

  for (int i = 0; i < kWarm + kMeasured; ++i) {
    const bool measured = i >= kWarm;
    const auto a0 = g_allocations.load(std::memory_order_relaxed);
    const auto c0 = Clock::now();
    now += milliseconds(10);
    // The oldest call in flight hangs up: talk time, idle-since and wrap-up change.
    AgentId& slot = talking[static_cast<std::size_t>(i % kInFlight)];
    if (slot != kNoAgent) pool.call_ended(slot, group, now, 30 + static_cast<std::int64_t>(next() % 600));
    slot = kNoAgent;
    // Every 50th call an agent changes presence (away <-> available).
    if (i % 50 == 0) {
      const AgentId a = agents[next() % agents.size()];
      pool.set_presence(a, pool.agent(a).status == Presence::available ? Presence::away : Presence::available, now);
    }

    std::vector<AgentId>& tried = first_round;  // reserved: no allocation here
    tried.clear();
    if (second_round) {
      tried.resize(kMaxRingTargets);
      tried.resize(pool.select(group, strategy, now, tried));
    }
    const auto t0 = Clock::now();
    std::size_t n = pool.select(group, strategy, now, out, tried);
    const auto dt = ns_since(t0);
    if (measured) select_ns.push_back(dt);
    picked += n;
    if (n == 0) continue;

    // Ring what was chosen; 1 in 20 single-agent offers is declined and the next agent is tried.
    for (std::size_t k = 0; k < n; ++k) pool.offered(out[k], now);
    AgentId answerer = out[0];
    if (n == 1 && next() % 20 == 0) {
      pool.declined_or_missed(out[0], now);
      const AgentId declined[1] = {out[0]};
      if (pool.select(group, strategy, now, out, declined) == 0) continue;
      pool.offered(out[0], now);
      answerer = out[0];
    }
    pool.answered(answerer, now);
    for (std::size_t k = 1; k < n; ++k) pool.offer_cancelled(out[k], now);
    slot = answerer;
    if (measured) {
      cycle_ns += ns_since(c0);
      allocations += g_allocations.load(std::memory_order_relaxed) - a0;
    }
  }
  if (!pool.audit().empty()) {
    fmt::print(stderr, "audit failed: {}\n", pool.audit());
    std::exit(1);
  }
  StrategyResult r;
  r.name = std::move(name);
  double sum = 0;
  for (auto v : select_ns) sum += static_cast<double>(v);
  r.mean_ns = sum / static_cast<double>(select_ns.size());
  r.median_ns = percentile(select_ns, 0.5);
  r.p99_ns = percentile(select_ns, 0.99);
  r.cycle_mean_ns = static_cast<double>(cycle_ns) / kMeasured;
  r.allocations_per_call = static_cast<double>(allocations) / kMeasured;
  r.picked_per_select = static_cast<double>(picked) / (kWarm + kMeasured);
  return r;
}

double timer_overhead_ns() {
  std::vector<std::int64_t> v;
  for (int i = 0; i < 100'000; ++i) {
    const auto t0 = Clock::now();
    v.push_back(ns_since(t0));
  }
  return percentile(v, 0.5);
}

std::size_t rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

struct Memory {
  std::size_t rss_delta, accounted;
};

// 50,000 agents, all available (every index full), in 5 groups of 10,000.
Memory memory_for_50k() {
  const std::size_t before = rss_bytes();
  auto pool = std::make_unique<AgentPool>();
  std::vector<AgentId> ids;
  for (int i = 0; i < kMemoryAgents; ++i) {
    ids.push_back(pool->add_agent(fmt::format("u_{:06d}", i), kStart));
    pool->set_presence(ids.back(), Presence::available, kStart + milliseconds(i));
  }
  for (int g = 0; g < kMemoryAgents / kGroupAgents; ++g) {
    pool->add_group(fmt::format("group{}", g),
                    std::span<const AgentId>(ids).subspan(static_cast<std::size_t>(g) * kGroupAgents, kGroupAgents), 10);
  }
  std::vector<AgentId>().swap(ids);
  const std::size_t after = rss_bytes();
  return {after - before, pool->memory_bytes()};
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

}  // namespace

int main(int argc, char** argv) {
  const std::string out_path = argc > 1 ? argv[1] : "bench/results/acd.json";
  const Memory memory = memory_for_50k();  // first, on a fresh heap
  const double overhead = timer_overhead_ns();

  const std::vector<std::pair<RingStrategy, std::string>> strategies{
      {RingStrategy::parallel, "parallel"},         {RingStrategy::sequential, "sequential"},
      {RingStrategy::round_robin, "round_robin"},   {RingStrategy::longest_idle, "longest_idle"},
      {RingStrategy::fewest_calls, "fewest_calls"}, {RingStrategy::least_talk_time, "least_talk_time"},
      {RingStrategy::top_down, "top_down"},         {RingStrategy::random, "random"}};
  std::vector<StrategyResult> results;
  fmt::print("{} agents in one group, {}% available, {} calls in flight, wrap-up {} s; {} selections each\n",
             kGroupAgents, 50, kInFlight, kWrapUpS, kMeasured);
  fmt::print("{:<28} {:>10} {:>10} {:>10} {:>14} {:>12} {:>8}\n", "strategy", "median ns", "p99 ns", "mean ns",
             "call cycle ns", "allocs/call", "picked");
  for (const auto& [strategy, name] : strategies) {
    results.push_back(run(strategy, name));
    const auto& r = results.back();
    fmt::print("{:<28} {:>10.0f} {:>10.0f} {:>10.1f} {:>14.0f} {:>12.3f} {:>8.2f}\n", r.name, r.median_ns, r.p99_ns,
               r.mean_ns, r.cycle_mean_ns, r.allocations_per_call, r.picked_per_select);
  }
  // The retry path: the next 10 after a round nobody answered (skip = the 10 already rung).
  results.push_back(run(RingStrategy::parallel, "parallel, round 2 (skip 10)", true));
  {
    const auto& r = results.back();
    fmt::print("{:<28} {:>10.0f} {:>10.0f} {:>10.1f} {:>14.0f} {:>12.3f} {:>8.2f}\n", r.name, r.median_ns, r.p99_ns,
               r.mean_ns, r.cycle_mean_ns, r.allocations_per_call, r.picked_per_select);
  }
  fmt::print("timer overhead (steady_clock::now pair, median): {:.0f} ns, included above\n", overhead);
  fmt::print("{} agents in {} groups of {}, all available: RSS +{:.0f} bytes/agent, accounted {:.0f} bytes/agent\n",
             kMemoryAgents, kMemoryAgents / kGroupAgents, kGroupAgents,
             static_cast<double>(memory.rss_delta) / kMemoryAgents,
             static_cast<double>(memory.accounted) / kMemoryAgents);

  std::string json = fmt::format(
      R"({{"machine":{{"nproc":{},"cpu":"{}"}},"group_agents":{},"available_fraction":0.5,"calls_in_flight":{},)"
      R"("wrap_up_s":{},"selections_per_strategy":{},"timer_overhead_ns":{:.0f},"strategies":[)",
      std::thread::hardware_concurrency(), cpu_model(), kGroupAgents, kInFlight, kWrapUpS, kMeasured, overhead);
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    json += fmt::format(
        R"({}{{"name":"{}","select_ns_median":{:.0f},"select_ns_p99":{:.0f},"select_ns_mean":{:.1f},)"
        R"("call_cycle_ns_mean":{:.0f},"allocations_per_call":{:.3f},"agents_per_select":{:.2f}}})",
        i ? "," : "", r.name, r.median_ns, r.p99_ns, r.mean_ns, r.cycle_mean_ns, r.allocations_per_call,
        r.picked_per_select);
  }
  json += fmt::format(
      R"(],"memory":{{"agents":{},"groups":{},"group_agents":{},"rss_bytes_per_agent":{:.0f},"accounted_bytes_per_agent":{:.0f}}}}})",
      kMemoryAgents, kMemoryAgents / kGroupAgents, kGroupAgents, static_cast<double>(memory.rss_delta) / kMemoryAgents,
      static_cast<double>(memory.accounted) / kMemoryAgents);
  std::ofstream(out_path) << json << "\n";
  return 0;
}
