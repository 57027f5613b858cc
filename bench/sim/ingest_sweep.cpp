#include "sim/ingest_sweep.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>

#include "common/json_writer.hpp"
#include "sim/ingest_requests.hpp"
#include "sim/target_process.hpp"

namespace callrouter::sim {

namespace {

boost::asio::ip::tcp::endpoint loopback(int port) {
  return {boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)};
}

}  // namespace

void print_result(const IngestResult& r) {
  auto us = [&](double q) { return static_cast<double>(r.latency.percentile_ns(q)) / 1000.0; };
  std::printf("%-12s offered %7.0f/s achieved %7.0f/s  p50 %7.0f  p90 %7.0f  p99 %8.0f  p99.9 %8.0f  max %8.0f µs  "
              "errors %llu non-2xx %llu  server %.2f cores  client %.2f cores  rss %.0f MiB  lag %.0f µs\n",
              r.target.c_str(), r.offered, r.achieved, us(0.5), us(0.9), us(0.99), us(0.999),
              static_cast<double>(r.latency.max_ns()) / 1000.0, static_cast<unsigned long long>(r.errors),
              static_cast<unsigned long long>(r.non_2xx), r.target_cores, r.client_cores,
              static_cast<double>(r.target_peak_rss) / (1 << 20), r.max_client_lag_us);
  std::fflush(stdout);
}

std::vector<IngestResult> run_sweep(const SweepOptions& o) {
  SeedShape shape;  // 4 orgs × 50 agents, all available
  const auto orgs = make_orgs(shape);
  std::vector<IngestResult> results;
  auto steps = o.rates;
  if (o.saturate > 0) steps.push_back(o.saturate);
  std::uint64_t first_call = 1;
  for (std::size_t s = 0; s < steps.size(); ++s) {
    const bool saturating = o.saturate > 0 && s + 1 == steps.size();
    IngestOptions io;
    io.rate = steps[s];
    io.connections = o.connections;
    io.warmup_s = saturating ? 1 : o.warmup_s;
    io.seconds = saturating ? std::max(2.0, o.seconds / 2) : o.seconds;
    const auto count = static_cast<std::uint64_t>(std::llround(io.rate * (io.warmup_s + io.seconds)));
    std::fprintf(stderr, "building %llu signed voice webhooks for %.0f/s ...\n", static_cast<unsigned long long>(count), io.rate);
    const auto requests = voice_requests(orgs, o.public_base_url, count, first_call);
    first_call += count;

    if (!o.daemon_only) {
      ChildProcess bare;
      int port = 0;
      start_bare(bare, port, o.bare, o.work / "bare.log");
      auto r = run_ingest(loopback(port), bare.pid(), requests, io);
      r.target = "bare";
      r.saturation = saturating;
      bare.stop();
      print_result(r);
      results.push_back(std::move(r));
    }
    if (!o.bare_only) {
      const auto home = o.work / fmt::format("daemon-{:.0f}", io.rate);
      std::filesystem::remove_all(home);
      Daemon d;
      DaemonSettings settings{o.daemon, home, o.public_base_url, o.provider_api_base_url, o.durability, "info", 0, {}};
      start_daemon(d, settings, orgs, shape);
      auto r = run_ingest(loopback(d.port), d.process.pid(), requests, io);
      r.target = "callrouterd";
      r.saturation = saturating;
      d.process.stop();
      print_result(r);
      results.push_back(std::move(r));
      std::filesystem::remove_all(home);
    }
  }
  return results;
}

std::string sweep_json(const std::vector<IngestResult>& results, const SweepOptions& o) {
  auto fixed = [](double v, int digits) { return fmt::format("{:.{}f}", v, digits); };
  JsonWriter w;
  w.begin_array();
  for (const auto& r : results) {
    auto us = [&](double q) { return fixed(static_cast<double>(r.latency.percentile_ns(q)) / 1000.0, 1); };
    w.begin_object()
        .field("target", r.target)
        .field("durability", r.target == "bare" ? std::string("n/a") : o.durability)
        .field("saturation", r.saturation)
        .key("offered_per_s").raw(fixed(r.offered, 0))
        .key("achieved_per_s").raw(fixed(r.achieved, 0))
        .field("measured", r.measured)
        .field("errors", r.errors)
        .field("non_2xx", r.non_2xx);
    w.key("latency_us").begin_object();
    w.key("p50").raw(us(0.5)).key("p90").raw(us(0.9)).key("p99").raw(us(0.99)).key("p99_9").raw(us(0.999));
    w.key("max").raw(fixed(static_cast<double>(r.latency.max_ns()) / 1000.0, 1));
    w.key("mean").raw(fixed(r.latency.mean_ns() / 1000.0, 1));
    w.end_object();
    w.key("target_cpu_cores").raw(fixed(r.target_cores, 3))
        .key("client_cpu_cores").raw(fixed(r.client_cores, 3))
        .key("target_peak_rss_mib").raw(fixed(static_cast<double>(r.target_peak_rss) / (1 << 20), 1))
        .key("max_client_lag_us").raw(fixed(r.max_client_lag_us, 0))
        .key("load_average_at_start").raw(fixed(r.load_before, 2))
        .end_object();
  }
  w.end_array();
  return w.take();
}

}  // namespace callrouter::sim
