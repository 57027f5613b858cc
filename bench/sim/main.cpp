// callrouter_sim: the provider simulator. `bench` runs the standard end-to-end benchmark (ingest
// sweep against the bare baseline, then the call scenario); `calls` drives full calls against a
// daemon; `demo` shows calls being routed live. See docs/performance.md.
#include <fmt/format.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "bench_support.hpp"
#include "common/json_writer.hpp"
#include "sim/ingest_sweep.hpp"
#include "sim/provider_rest.hpp"

using namespace callrouter;
using namespace callrouter::sim;

namespace {

std::vector<double> parse_rates(std::string_view s) {
  std::vector<double> out;
  while (!s.empty()) {
    auto comma = s.find(',');
    out.push_back(std::stod(std::string(s.substr(0, comma))));
    s.remove_prefix(comma == std::string_view::npos ? s.size() : comma + 1);
  }
  return out;
}

void usage() {
  std::fputs(
      "usage: callrouter_sim bench --daemon PATH --bare PATH [options]\n"
      "  --rates A,B,..   offered voice webhooks/s (default 1000,2000,5000,10000)\n"
      "  --saturate R     one more step at R/s to find each server's ceiling (default 30000; 0 skips)\n"
      "  --seconds S      measured seconds per step (default 8), --warmup S (default 2)\n"
      "  --connections N  keep-alive connections (default 256)\n"
      "  --durability D   fsync (default) or none\n"
      "  --work DIR       scratch dir for daemon homes (default /tmp/callrouter-sim)\n"
      "  --out FILE       results JSON (default bench/results/e2e.json)\n",
      stderr);
}

int bench_command(int argc, char** argv) {
  SweepOptions o;
  o.work = "/tmp/callrouter-sim";
  std::filesystem::path out = "bench/results/e2e.json";
  for (int i = 2; i < argc; ++i) {
    std::string_view a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--daemon") o.daemon = next();
    else if (a == "--bare") o.bare = next();
    else if (a == "--rates") o.rates = parse_rates(next());
    else if (a == "--saturate") o.saturate = std::stod(next());
    else if (a == "--seconds") o.seconds = std::stod(next());
    else if (a == "--warmup") o.warmup_s = std::stod(next());
    else if (a == "--connections") o.connections = std::stoul(next());
    else if (a == "--durability") o.durability = next();
    else if (a == "--work") o.work = next();
    else if (a == "--out") out = next();
    else if (a == "--bare-only") o.bare_only = true;
    else if (a == "--daemon-only") o.daemon_only = true;
    else {
      usage();
      return 2;
    }
  }
  if (o.daemon.empty() || o.bare.empty()) {
    usage();
    return 2;
  }
  std::filesystem::create_directories(o.work);
  ProviderRest rest({}, {});
  o.provider_api_base_url = rest.base_url();
  const double load_before = bench::load_average();
  const auto started = system_now();
  auto results = run_sweep(o);

  JsonWriter w;
  w.begin_object()
      .field("benchmark", "e2e")
      .field("started_at", format_rfc3339(started))
      .field("cpu", bench::cpu_model())
      .field("nproc", static_cast<std::int64_t>(std::thread::hardware_concurrency()));
  w.key("load_average_before").raw(fmt::format("{:.2f}", load_before));
  w.key("load_average_after").raw(fmt::format("{:.2f}", bench::load_average()));
  w.field("connections", static_cast<std::uint64_t>(o.connections));
  w.key("warmup_s").raw(fmt::format("{}", o.warmup_s)).key("seconds").raw(fmt::format("{}", o.seconds));
  w.key("ingest").raw(sweep_json(results, o));
  w.end_object();
  bench::write_file(out, w.take() + "\n");
  std::printf("results written to %s\n", out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  if (argc >= 2 && std::strcmp(argv[1], "bench") == 0) return bench_command(argc, argv);
  usage();
  return 2;
}
