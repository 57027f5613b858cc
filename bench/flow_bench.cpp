// Flow evaluation benchmark (issue 4): time and heap allocations per flow step for the demo flow's
// hot paths, and the compile time of a 1,000-state flow. Results: bench/results/flow.json.
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <new>
#include <sstream>
#include <string>

#include "flow/evaluate.hpp"

// Counting every heap allocation in the process: the benchmark reports allocations per step.
static std::atomic<std::uint64_t> g_allocations{0};
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using namespace callrouter;
using namespace callrouter::flow;
using Clock = std::chrono::steady_clock;

namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The demo flow's definition, cut out of the seed file.
std::string demo_definition() {
  auto seed = read(CALLROUTER_SOURCE_DIR "/config/demo-seed.json");
  auto start = seed.find("\"definition\":");
  start = seed.find('{', start);
  int depth = 0;
  std::size_t end = start;
  for (; end < seed.size(); ++end) {
    if (seed[end] == '{') ++depth;
    if (seed[end] == '}' && --depth == 0) break;
  }
  return seed.substr(start, end - start + 1);
}

struct Result {
  std::string name;
  double ns_per_step;
  double allocations_per_step;
};

template <class F>
Result measure(std::string name, F&& f) {
  constexpr int kWarm = 10'000, kIterations = 1'000'000;
  for (int i = 0; i < kWarm; ++i) f();
  auto a0 = g_allocations.load();
  auto t0 = Clock::now();
  for (int i = 0; i < kIterations; ++i) f();
  auto t1 = Clock::now();
  auto a1 = g_allocations.load();
  return {std::move(name), std::chrono::duration<double, std::nano>(t1 - t0).count() / kIterations,
          static_cast<double>(a1 - a0) / kIterations};
}

std::string big_flow(int states) {
  // A chain of menus whose options lead onward, ending in voicemail and hang-up: every state is
  // reachable and nothing loops without input.
  std::string s = R"({"name":"big","start":"m0","states":[)";
  for (int i = 0; i < states - 2; ++i) {
    auto next = i + 1 < states - 2 ? fmt::format("m{}", i + 1) : std::string("vm");
    s += fmt::format(R"({{"id":"m{}","type":"menu","prompt":{{"text":"Menu {} press 1 or 2"}},"options":{{"1":"{}","2":"vm"}},"on":{{"no_input":"vm","invalid":"vm"}}}},)",
                     i, i, next);
  }
  s += R"({"id":"vm","type":"voicemail","greeting":{"text":"bye"},"next":"end"},{"id":"end","type":"hangup"}]})";
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::string out = argc > 1 ? argv[1] : "bench/results/flow.json";
  auto flow = compile_flow(demo_definition());
  if (!flow) {
    fmt::print(stderr, "demo flow does not compile: {}\n", flow.error());
    return 1;
  }
  const auto& f = *flow;
  CallContext ctx{"+819012345678", "+815012345678", "JP", {}};
  // Monday 10:00 in Tokyo: the open path.
  const Timestamp open = Timestamp(std::chrono::sys_days(std::chrono::year{2026} / 11 / 23) + std::chrono::hours(1));
  const Timestamp closed = open + std::chrono::hours(12);
  const auto menu = f.index_of("menu"), sales = f.index_of("sales"), vm = f.index_of("after_hours");

  std::vector<Result> results;
  std::size_t sink = 0;
  results.push_back(measure("new call, open: greeting -> hours -> menu (Gather)", [&] {
    sink += step(f, {f.start, 0, Waiting::none}, {}, ctx, open).actions.size();
  }));
  results.push_back(measure("new call, closed: greeting -> hours -> voicemail (Record)", [&] {
    sink += step(f, {f.start, 0, Waiting::none}, {}, ctx, closed).actions.size();
  }));
  results.push_back(measure("menu digit 1 -> ring_group (assign request)", [&] {
    sink += step(f, {menu, 0, Waiting::gather}, {EventKind::gather, "1", {}, {}}, ctx, open).path.size();
  }));
  results.push_back(measure("ring_group nobody available -> Enqueue", [&] {
    sink += step(f, {sales, 0, Waiting::assign}, {EventKind::assign_result, {}, {}, "no_agents"}, ctx, open).actions.size();
  }));
  results.push_back(measure("voicemail recorded -> hangup", [&] {
    sink += step(f, {vm, 0, Waiting::record}, {EventKind::recording, {}, {}, "u"}, ctx, open).actions.size();
  }));

  const auto big = big_flow(1000);
  auto c0 = Clock::now();
  constexpr int kCompiles = 20;
  for (int i = 0; i < kCompiles; ++i) sink += compile_flow(big)->states.size();
  auto compile_ms = std::chrono::duration<double, std::milli>(Clock::now() - c0).count() / kCompiles;

  fmt::print("| step | ns/step | allocations/step |\n|---|---:|---:|\n");
  std::string json = "{\"steps\":[";
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    fmt::print("| {} | {:.0f} | {:.1f} |\n", r.name, r.ns_per_step, r.allocations_per_step);
    json += fmt::format(R"({}{{"name":"{}","ns_per_step":{:.1f},"allocations_per_step":{:.2f}}})", i ? "," : "", r.name,
                        r.ns_per_step, r.allocations_per_step);
  }
  fmt::print("\ncompile a 1,000-state flow ({} KiB of JSON): {:.2f} ms\n", big.size() / 1024, compile_ms);
  json += fmt::format(R"(],"compile_1000_states_ms":{:.3f},"sink":{}}})", compile_ms, sink % 2);
  std::ofstream(out) << json << "\n";
  return 0;
}
