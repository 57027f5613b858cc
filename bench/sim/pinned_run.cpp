#include "sim/pinned_run.hpp"

#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>

#include "common/json_writer.hpp"
#include "sim/ingest_requests.hpp"
#include "sim/ingest_sweep.hpp"
#include "sim/process_stats.hpp"
#include "sim/target_process.hpp"
#include "sim/webhook_client.hpp"

namespace callrouter::sim {

namespace asio = boost::asio;

namespace {

struct AllocationCount {
  std::uint64_t allocations = 0, bytes = 0;
};

// malloc_count's two counters, as the server last wrote them.
AllocationCount read_counters(const std::filesystem::path& file) {
  AllocationCount c;
  std::ifstream in(file, std::ios::binary);
  in.read(reinterpret_cast<char*>(&c.allocations), sizeof c.allocations);
  in.read(reinterpret_cast<char*>(&c.bytes), sizeof c.bytes);
  return c;
}

}  // namespace

PinnedResult run_closed_loop(const asio::ip::tcp::endpoint& target, pid_t target_pid,
                             const std::vector<std::string>& requests, const ClosedLoop& o) {
  asio::io_context io(1);
  WebhookClient client(io, target, o.connections, 1);
  client.connect_all();
  const auto start = Clock::now();
  const auto window_from = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.warmup_s));
  const auto window_to = window_from + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
  client.set_window(window_from, window_to);

  PinnedResult result;
  IngestResult& r = result.run;
  std::ifstream("/proc/loadavg") >> r.load_before;
  // Each answer sends the next request on the same connection, until the window closes.
  std::uint64_t sent = 0;
  std::function<void()> send_next = [&] {
    const auto now = Clock::now();
    if (now >= window_to) return;
    client.send(Webhook{now, requests[sent % requests.size()], 0, [&](WebhookResult) { send_next(); }});
    ++sent;
  };
  for (std::size_t i = 0; i < o.connections; ++i) send_next();

  CpuSample target_before, target_after, self_before, self_after;
  AllocationCount allocs_before, allocs_after;
  std::uint64_t completed_before = 0, completed_after = 0;
  auto sample = [&](CpuSample& target_cpu, CpuSample& self_cpu, AllocationCount& allocs, std::uint64_t& completed) {
    target_cpu = sample_cpu(target_pid);
    self_cpu = sample_cpu(0);
    if (!o.counters.empty()) allocs = read_counters(o.counters);
    completed = client.completed();
  };
  asio::steady_timer window_start(io), window_end(io);
  window_start.expires_at(window_from);
  window_start.async_wait([&](boost::system::error_code) { sample(target_before, self_before, allocs_before, completed_before); });
  window_end.expires_at(window_to);
  window_end.async_wait([&](boost::system::error_code) { sample(target_after, self_after, allocs_after, completed_after); });
  const auto deadline = window_to + std::chrono::seconds(15);
  while (Clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(50));
    if (Clock::now() >= window_to && client.in_flight() == 0) break;
  }
  if (target_after.wall_s == 0) sample(target_after, self_after, allocs_after, completed_after);
  r.latency = client.histogram(0);
  r.measured = client.completed_in_window();
  r.errors = client.errors() + client.in_flight();
  r.non_2xx = client.non_2xx();
  r.achieved = static_cast<double>(r.measured) / o.seconds;
  r.target_cores = cores_used(target_before, target_after);
  r.client_cores = cores_used(self_before, self_after);
  r.target_peak_rss = peak_rss_bytes(target_pid);
  if (const auto answered = completed_after - completed_before; !o.counters.empty() && answered > 0) {
    result.allocations_per_request = static_cast<double>(allocs_after.allocations - allocs_before.allocations) / answered;
    result.allocated_bytes_per_request = static_cast<double>(allocs_after.bytes - allocs_before.bytes) / answered;
  }
  result.requests_reused = sent > requests.size();
  client.shutdown();
  window_start.cancel();
  window_end.cancel();
  io.restart();
  io.poll();
  return result;
}

std::vector<PinnedResult> run_pinned(const PinnedOptions& o) {
  SeedShape shape;  // 4 orgs × 50 agents, all available: the sweep's seed
  const auto orgs = make_orgs(shape);
  std::fprintf(stderr, "building %llu signed voice webhooks ...\n", static_cast<unsigned long long>(o.requests));
  const auto requests = voice_requests(orgs, o.public_base_url, o.requests, 1);
  const asio::ip::address loopback = asio::ip::make_address("127.0.0.1");
  auto endpoint = [&](int port) { return asio::ip::tcp::endpoint(loopback, static_cast<unsigned short>(port)); };
  std::vector<PinnedResult> results;
  auto wanted = [&](std::string_view target) {
    return std::find(o.targets.begin(), o.targets.end(), target) != o.targets.end();
  };
  auto round = [&](int number, const ClosedLoop& loop, const Launch& launch) {
    auto keep = [&](PinnedResult p, const char* target) {
      p.run.target = target;
      p.round = number;
      p.requests_reused = p.requests_reused && p.run.target == "callrouterd";  // a repeat is a replay only there
      print_result(p.run);
      results.push_back(std::move(p));
    };
    if (wanted("bare")) {
      ChildProcess bare;
      int port = 0;
      start_bare(bare, port, o.bare, o.work / "bare.log", {}, launch);
      auto p = run_closed_loop(endpoint(port), bare.pid(), requests, loop);
      bare.stop();
      keep(std::move(p), "bare");
    }
    if (wanted("durable")) {
      const auto data = o.work / "durable-data";
      std::filesystem::remove_all(data);
      ChildProcess durable;
      int port = 0;
      start_bare(durable, port, o.durable, o.work / "durable.log", {"--data", data.string()}, launch);
      auto p = run_closed_loop(endpoint(port), durable.pid(), requests, loop);
      durable.stop();
      std::filesystem::remove_all(data);
      keep(std::move(p), "durable");
    }
    if (wanted("callrouterd")) {
      // A fresh daemon and data dir each round: the same requests are new calls again.
      const auto home = o.work / "daemon-pinned";
      std::filesystem::remove_all(home);
      Daemon d;
      DaemonSettings settings{o.daemon, home, o.public_base_url, o.provider_api_base_url, "fsync", "info", 0, launch};
      start_daemon(d, settings, orgs, shape);
      auto p = run_closed_loop(endpoint(d.port), d.process.pid(), requests, loop);
      d.process.stop();
      std::filesystem::remove_all(home);
      keep(std::move(p), "callrouterd");
    }
  };
  const ClosedLoop loop{o.connections, o.warmup_s, o.seconds, {}};
  for (int n = 1; n <= o.rounds; ++n) round(n, loop, Launch{o.server_cpus, {}});
  if (!o.malloc_count.empty()) {
    ClosedLoop counted = loop;
    counted.counters = std::filesystem::absolute(o.work / "malloc-count");
    round(0, counted, Launch{o.server_cpus, {"LD_PRELOAD=" + std::filesystem::absolute(o.malloc_count).string(),
                                             "MALLOC_COUNT_FILE=" + counted.counters.string()}});
  }
  return results;
}

namespace {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

double us(const IngestResult& r, double q) { return static_cast<double>(r.latency.percentile_ns(q)) / 1000.0; }
double cpu_per_request_us(const IngestResult& r) { return r.achieved > 0 ? r.target_cores / r.achieved * 1e6 : 0; }

}  // namespace

std::string pinned_json(const std::vector<PinnedResult>& results, const PinnedOptions& o) {
  JsonWriter w;
  w.begin_object()
      .field("server_cpus", o.server_cpus)
      .field("client_cpu", o.client_cpu)
      .field("connections", static_cast<std::uint64_t>(o.connections));
  w.key("warmup_s").raw(fmt::format("{}", o.warmup_s)).key("seconds").raw(fmt::format("{}", o.seconds));
  w.key("runs").begin_array();
  for (const auto& p : results) {
    const auto& r = p.run;
    w.begin_object()
        .field("target", r.target)
        .field("round", static_cast<std::int64_t>(p.round))
        .key("achieved_per_s").raw(fmt::format("{:.0f}", r.achieved))
        .field("measured", r.measured)
        .field("errors", r.errors)
        .field("non_2xx", r.non_2xx)
        .field("requests_reused", p.requests_reused);
    if (p.allocations_per_request >= 0) {
      w.key("allocations_per_request").raw(fmt::format("{:.1f}", p.allocations_per_request));
      w.key("allocated_bytes_per_request").raw(fmt::format("{:.0f}", p.allocated_bytes_per_request));
    }
    w.key("latency_us").begin_object();
    w.key("p50").raw(fmt::format("{:.1f}", us(r, 0.5))).key("p99").raw(fmt::format("{:.1f}", us(r, 0.99)));
    w.key("p99_9").raw(fmt::format("{:.1f}", us(r, 0.999)));
    w.end_object();
    w.key("target_cpu_cores").raw(fmt::format("{:.3f}", r.target_cores))
        .key("client_cpu_cores").raw(fmt::format("{:.3f}", r.client_cores))
        .key("cpu_per_request_us").raw(fmt::format("{:.1f}", cpu_per_request_us(r)))
        .key("target_peak_rss_mib").raw(fmt::format("{:.1f}", static_cast<double>(r.target_peak_rss) / (1 << 20)))
        .key("load_average_at_start").raw(fmt::format("{:.2f}", r.load_before))
        .end_object();
  }
  w.end_array();
  w.end_object();
  return w.take();
}

std::string pinned_markdown(const std::vector<PinnedResult>& results) {
  std::string out =
      "| round | server | achieved/s | p50 µs | p99 µs | p99.9 µs | server CPU (cores) | CPU per webhook | "
      "simulator CPU (cores) | errors / non-2xx | load avg at start |\n"
      "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  std::map<std::string, std::vector<double>> achieved;
  for (const auto& p : results) {
    if (p.round == 0) continue;
    const auto& r = p.run;
    out += fmt::format("| {} | {}{} | {:.0f} | {:.0f} | {:.0f} | {:.0f} | {:.2f} | {:.1f} µs | {:.2f} | {} / {} | {:.2f} |\n",
                       p.round, r.target, p.requests_reused ? " (requests reused)" : "", r.achieved, us(r, 0.5),
                       us(r, 0.99), us(r, 0.999), r.target_cores, cpu_per_request_us(r), r.client_cores, r.errors,
                       r.non_2xx, r.load_before);
    achieved[r.target].push_back(r.achieved);
  }
  const double bare = median(achieved["bare"]), durable = median(achieved["durable"]), daemon = median(achieved["callrouterd"]);
  out += fmt::format(
      "\n**Medians of achieved/s:** bare {:.0f}, durable baseline {:.0f}, callrouterd {:.0f}. "
      "**callrouterd ÷ bare = {:.2f}** (target ≥ 0.50); **callrouterd ÷ durable = {:.2f}** (target ≥ 0.85); "
      "durable ÷ bare = {:.2f}.\n",
      bare, durable, daemon, bare > 0 ? daemon / bare : 0, durable > 0 ? daemon / durable : 0,
      bare > 0 ? durable / bare : 0);
  bool counted = false;
  for (const auto& p : results) {
    if (p.round != 0 || p.allocations_per_request < 0) continue;
    if (!counted) {
      out += "\n**Heap allocations per webhook** (one more round with bench/malloc_count.cpp preloaded; its "
             "throughput is not in the medians):\n\n| server | allocations per webhook | bytes allocated per webhook | "
             "achieved/s while counting |\n|---|---:|---:|---:|\n";
      counted = true;
    }
    out += fmt::format("| {} | {:.1f} | {:.0f} | {:.0f} |\n", p.run.target, p.allocations_per_request,
                       p.allocated_bytes_per_request, p.run.achieved);
  }
  return out;
}

}  // namespace callrouter::sim
