// Memory at scale (DESIGN §5): RSS for 50,000 agents in their pools and 100,000 calls in progress
// held as the app holds them (live call records keyed by org and sid). Results: bench/results/memory.json.
#include <fmt/format.h>

#include <fstream>
#include <string>
#include <unistd.h>

#include "acd/agent_pool.hpp"
#include "engine/call_record.hpp"
#include "engine/directory.hpp"

using namespace callrouter;

namespace {

double rss_mib() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return static_cast<double>(pages_resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

}  // namespace

int main(int argc, char** argv) {
  std::string out = argc > 1 ? argv[1] : "bench/results/memory.json";
  const double base = rss_mib();
  const Timestamp now = system_now();

  // 50,000 agents across 100 orgs, 500 agents each in 5 groups of 100, half available.
  engine::StringMap<acd::AgentPool> pools;
  for (int org = 0; org < 100; ++org) {
    auto& pool = pools[fmt::format("org{}", org)];
    std::vector<acd::AgentId> members;
    for (int a = 0; a < 500; ++a) {
      auto id = pool.add_agent(fmt::format("u_agent_{}", a), now);
      if (a % 2 == 0) pool.set_presence(id, acd::Presence::available, now);
      members.push_back(id);
    }
    for (int g = 0; g < 5; ++g) {
      pool.add_group(fmt::format("group{}", g),
                     std::span<const acd::AgentId>(members.data() + g * 100, 100), 10);
    }
  }
  const double agents = rss_mib();

  // 100,000 live calls, each a realistic record of a call waiting in a ring group's queue.
  engine::StringMap<engine::CallRecord> live;
  for (int i = 0; i < 100'000; ++i) {
    engine::CallRecord r;
    r.sid = fmt::format("CA{:032x}", i * 2654435761u);
    r.org_id = fmt::format("org{}", i % 100);
    r.direction = "inbound";
    r.from = fmt::format("+8190{:08}", i);
    r.to = "+815012345678";
    r.status = "in-progress";
    r.flow_id = "main";
    r.flow_version = 3;
    r.flow_path = {"greeting", "hours", "menu", "sales"};
    r.flow_state = "sales";
    r.flow_waiting = "queue";
    r.started_at = now;
    r.status_seqs = {0, 1, 2};
    live[r.org_id + '\0' + r.sid] = std::move(r);
  }
  const double calls = rss_mib();

  fmt::print("| what | RSS MiB |\n|---|---:|\n| process before | {:.1f} |\n| + 50,000 agents in 500 groups | {:.1f} ({:.0f} B/agent) |\n"
             "| + 100,000 live calls | {:.1f} ({:.0f} B/call) |\n| total | {:.1f} (target < 2048) |\n",
             base, agents - base, (agents - base) * 1048576.0 / 50'000, calls - agents,
             (calls - agents) * 1048576.0 / 100'000, calls);
  std::ofstream(out) << fmt::format(
      R"({{"rss_base_mib":{:.1f},"agents_50k_mib":{:.1f},"calls_100k_mib":{:.1f},"total_mib":{:.1f}}})", base,
      agents - base, calls - agents, calls)
                     << "\n";
  return 0;
}
