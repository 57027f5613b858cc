// callrouter_sim: the provider simulator. `bench` runs the standard end-to-end benchmark (ingest
// sweep against the bare baseline, then the call scenario); `calls` drives full calls against a
// daemon; `demo` shows calls being routed live. See docs/performance.md.
#include <fmt/format.h>

#include <pthread.h>
#include <sched.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <functional>
#include <optional>
#include <thread>

#include "bench_support.hpp"
#include "common/json_writer.hpp"
#include "sim/call_scenario.hpp"
#include "sim/ingest_sweep.hpp"
#include "sim/crash_run.hpp"
#include "sim/pinned_run.hpp"
#include "sim/provider_rest.hpp"
#include "sim/target_process.hpp"

using namespace callrouter;
using namespace callrouter::sim;

namespace {

std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    auto comma = s.find(',');
    out.emplace_back(s.substr(0, comma));
    s.remove_prefix(comma == std::string_view::npos ? s.size() : comma + 1);
  }
  return out;
}

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
      "usage: callrouter_sim bench --daemon PATH --bare PATH [options]   the standard end-to-end benchmark\n"
      "       callrouter_sim pinned --daemon PATH --bare PATH --durable PATH [options]\n"
      "                                                                   closed-loop throughput, servers pinned to one core\n"
      "       callrouter_sim crash --daemon PATH [--kills N] [--load-seconds S] [--out FILE]\n"
      "                                                                   kill -9 under the pinned load, then check the change feed\n"
      "       callrouter_sim calls --daemon PATH [options]               only the call scenario\n"
      "       callrouter_sim demo --daemon PATH [--ui DIR] [--port N]    calls routed live, one line each (Ctrl-C stops);\n"
      "                                                                  --ui serves the console from DIR at /ui/\n"
      "       callrouter_sim rest [--port N]                             only the provider REST stand-in (Ctrl-C stops)\n"
      "bench options:\n"
      "  --rates A,B,..   offered voice webhooks/s (default 1000,2000,5000,10000)\n"
      "  --saturate R     one more step at R/s to find each server's ceiling (default 30000; 0 skips)\n"
      "  --seconds S      measured seconds per step (default 8), --warmup S (default 2)\n"
      "  --connections N  keep-alive connections (default 2048)\n"
      "  --durability D   fsync (default) or none\n"
      "  --work DIR       scratch dir for daemon homes (default /tmp/callrouter-sim)\n"
      "  --out FILE       results JSON (default bench/results/e2e.json)\n"
      "  --no-scenario    skip the call scenario\n"
      "  --wait-quiet S   first wait up to S seconds for the 1-minute load average to fall below 0.7\n"
      "pinned options:\n"
      "  --server-cpus L  taskset CPU list for every server (default 0); --client-cpu N (default 1)\n"
      "  --connections N  (default 256), --rounds N (default 3), --seconds S (8), --warmup S (2)\n"
      "  --requests N     unique new-call webhooks built for callrouterd (default 300000)\n"
      "  --targets LIST   which of bare,durable,callrouterd run (default all three)\n"
      "  --malloc-count LIB  one more round per server with LIB (bench/malloc_count.cpp) preloaded: allocations per webhook\n"
      "  --out FILE       results JSON (default bench/results/e2e-pinned.json); the table goes to stdout\n"
      "call scenario options (bench and calls):\n"
      "  --calls-per-s R  calls placed per second (default 100)\n"
      "  --call-seconds S seconds of placing calls (default 20)\n"
      "  --time-scale X   real seconds per call second (default 0.02; 0: media takes no time)\n"
      "  --agents N       agents per org (default 10; 4 orgs)\n"
      "  --duplicates P, --reorder P  share of status callbacks duplicated / held back (default 0.02)\n",
      stderr);
}

struct ScenarioArgs {
  ScenarioOptions options;
  int agents_per_org = 10;  // few enough that callers queue (REST redirects to agents get exercised)
  int orgs = 4;
  bool handled(std::string_view a, const std::function<std::string()>& next) {
    if (a == "--calls-per-s") options.calls_per_s = std::stod(next());
    else if (a == "--call-seconds") options.seconds = std::stod(next());
    else if (a == "--time-scale") options.time_scale = std::stod(next());
    else if (a == "--agents") agents_per_org = std::stoi(next());
    else if (a == "--duplicates") options.duplicate_rate = std::stod(next());
    else if (a == "--reorder") options.reorder_rate = std::stod(next());
    else return false;
    return true;
  }
};

// A fresh daemon (fsync) with the scenario's orgs, then whole calls against it.
ScenarioReport scenario_against_fresh_daemon(const std::filesystem::path& daemon_binary, const std::filesystem::path& work,
                                             const ScenarioArgs& args, const ProviderRest& rest, std::string durability,
                                             std::string log_level, int port = 0, std::filesystem::path ui_dir = {}) {
  SeedShape shape;
  shape.orgs = args.orgs;
  shape.agents_per_org = args.agents_per_org;
  shape.wrap_up_s = 0;  // wrap-up is real time in the daemon; the scenario's call time is scaled
  const auto orgs = make_orgs(shape);
  const auto home = work / "daemon-scenario";
  std::filesystem::remove_all(home);
  Daemon d;
  DaemonSettings settings{daemon_binary, home, args.options.public_base_url, rest.base_url(), std::move(durability),
                          std::move(log_level), port, {}, std::move(ui_dir)};
  start_daemon(d, settings, orgs, shape);
  std::fprintf(stderr, "callrouterd pid %d on 127.0.0.1:%d (log %s)\n", d.process.pid(), d.port, d.log.c_str());
  if (!settings.ui_dir.empty()) {
    std::printf("console: http://127.0.0.1:%d/ui/  sign in with the admin key %s (also in %s)\n\n", d.port,
                d.admin_key.c_str(), (home / "admin-key").c_str());
    std::fflush(stdout);
  }
  ScenarioTarget target{{boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(d.port)},
                        d.process.pid(), d.system_key, d.admin_key, orgs};
  auto report = run_scenario(target, args.options, const_cast<ProviderRest&>(rest));
  d.process.stop();
  return report;
}

extern "C" void on_interrupt(int) { scenario_stop(); }

int bench_command(int argc, char** argv) {
  SweepOptions o;
  o.work = "/tmp/callrouter-sim";
  std::filesystem::path out = "bench/results/e2e.json";
  ScenarioArgs scenario;
  bool with_scenario = true;
  double wait_quiet_s = 0;
  for (int i = 2; i < argc; ++i) {
    std::string_view a = argv[i];
    std::function<std::string()> next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (scenario.handled(a, next)) continue;
    if (a == "--no-scenario") with_scenario = false;
    else if (a == "--wait-quiet") wait_quiet_s = std::stod(next());
    else if (a == "--daemon") o.daemon = next();
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
  ProviderRest rest(scenario_call_update, {});
  o.provider_api_base_url = rest.base_url();
  // Other work on this machine skews everything: wait a while for it to calm down, then say so.
  const auto quiet_deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(wait_quiet_s);
  while (bench::load_average() > 0.7 && std::chrono::steady_clock::now() < quiet_deadline) {
    std::fprintf(stderr, "load average %.2f: waiting for a quieter machine ...\n", bench::load_average());
    std::this_thread::sleep_for(std::chrono::seconds(10));
  }
  const double load_before = bench::load_average();
  if (load_before > 1.0) {
    std::fprintf(stderr, "warning: load average %.2f before the run: other work shares the 2 cores; "
                         "results will be noisy (see load_average_at_start per step)\n", load_before);
  }
  const auto started = system_now();
  auto results = run_sweep(o);
  std::optional<ScenarioReport> calls;
  if (with_scenario) {
    calls = scenario_against_fresh_daemon(o.daemon, o.work, scenario, rest, o.durability, "info");
    print_scenario(*calls);
  }

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
  w.key("scenario");
  if (calls) w.raw(scenario_json(*calls, scenario.options));
  else w.null();
  w.end_object();
  bench::write_file(out, w.take() + "\n");
  std::printf("results written to %s\n", out.c_str());
  return 0;
}

// Closed loop, each server pinned to the same core and the simulator to another (issue 13).
int pinned_command(int argc, char** argv) {
  PinnedOptions o;
  o.work = "/tmp/callrouter-sim";
  std::filesystem::path out = "bench/results/e2e-pinned.json";
  double wait_quiet_s = 0;
  for (int i = 2; i < argc; ++i) {
    std::string_view a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--daemon") o.daemon = next();
    else if (a == "--bare") o.bare = next();
    else if (a == "--durable") o.durable = next();
    else if (a == "--server-cpus") o.server_cpus = next();
    else if (a == "--client-cpu") o.client_cpu = next();
    else if (a == "--connections") o.connections = std::stoul(next());
    else if (a == "--rounds") o.rounds = std::stoi(next());
    else if (a == "--seconds") o.seconds = std::stod(next());
    else if (a == "--warmup") o.warmup_s = std::stod(next());
    else if (a == "--requests") o.requests = std::stoull(next());
    else if (a == "--malloc-count") o.malloc_count = next();
    else if (a == "--targets") o.targets = split_list(next());
    else if (a == "--wait-quiet") wait_quiet_s = std::stod(next());
    else if (a == "--work") o.work = next();
    else if (a == "--out") out = next();
    else {
      usage();
      return 2;
    }
  }
  if (o.daemon.empty() || o.bare.empty() || o.durable.empty()) {
    usage();
    return 2;
  }
  // Before any thread starts, so every thread of the simulator inherits the client core.
  cpu_set_t client;
  CPU_ZERO(&client);
  CPU_SET(std::stoi(o.client_cpu), &client);
  if (sched_setaffinity(0, sizeof client, &client) != 0) {
    std::perror("sched_setaffinity");
    return 1;
  }
  std::filesystem::create_directories(o.work);
  ProviderRest rest(scenario_call_update, {});  // nothing calls it during ingest; the daemon's config needs a URL
  o.provider_api_base_url = rest.base_url();
  const auto quiet_deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(wait_quiet_s);
  while (bench::load_average() > 0.7 && std::chrono::steady_clock::now() < quiet_deadline) {
    std::fprintf(stderr, "load average %.2f: waiting for a quieter machine ...\n", bench::load_average());
    std::this_thread::sleep_for(std::chrono::seconds(10));
  }
  const auto started = system_now();
  const auto results = run_pinned(o);
  JsonWriter w;
  w.begin_object()
      .field("benchmark", "e2e-pinned")
      .field("started_at", format_rfc3339(started))
      .field("cpu", bench::cpu_model())
      .field("nproc", static_cast<std::int64_t>(std::thread::hardware_concurrency()));
  w.key("pinned").raw(pinned_json(results, o));
  w.end_object();
  bench::write_file(out, w.take() + "\n");
  std::printf("\nRun of %s, servers on CPU %s, simulator on CPU %s, %zu connections closed loop, %g s warm-up + %g s "
              "measured, %d rounds:\n\n%s\nresults written to %s\n",
              format_rfc3339(started).c_str(), o.server_cpus.c_str(), o.client_cpu.c_str(), o.connections, o.warmup_s,
              o.seconds, o.rounds, pinned_markdown(results).c_str(), out.c_str());
  return 0;
}

// kill -9 under the pinned load; exits 1 unless every acknowledged webhook is in the feed once.
int crash_command(int argc, char** argv) {
  CrashOptions o;
  o.work = "/tmp/callrouter-sim";
  std::filesystem::path out = "bench/results/crash-pinned.json";
  std::string client_cpu = "1";
  for (int i = 2; i < argc; ++i) {
    std::string_view a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--daemon") o.daemon = next();
    else if (a == "--kills") o.kills = std::stoi(next());
    else if (a == "--load-seconds") o.load_s = std::stod(next());
    else if (a == "--connections") o.connections = std::stoul(next());
    else if (a == "--server-cpus") o.server_cpus = next();
    else if (a == "--client-cpu") client_cpu = next();
    else if (a == "--work") o.work = next();
    else if (a == "--out") out = next();
    else {
      usage();
      return 2;
    }
  }
  if (o.daemon.empty()) {
    usage();
    return 2;
  }
  cpu_set_t client;
  CPU_ZERO(&client);
  CPU_SET(std::stoi(client_cpu), &client);
  if (sched_setaffinity(0, sizeof client, &client) != 0) {
    std::perror("sched_setaffinity");
    return 1;
  }
  std::filesystem::create_directories(o.work);
  ProviderRest rest(scenario_call_update, {});
  o.provider_api_base_url = rest.base_url();
  const auto report = run_crash(o);
  bench::write_file(out, crash_json(report, o) + "\n");
  std::printf("%d kills under load: %llu webhooks sent, %llu acknowledged; the feed holds %llu events, %llu call.ringing; "
              "acknowledged but missing %llu, duplicated %llu, seq gaps %llu: %s\nresults written to %s\n",
              report.kills, static_cast<unsigned long long>(report.sent), static_cast<unsigned long long>(report.acknowledged),
              static_cast<unsigned long long>(report.events), static_cast<unsigned long long>(report.ringing),
              static_cast<unsigned long long>(report.acknowledged_missing), static_cast<unsigned long long>(report.duplicated),
              static_cast<unsigned long long>(report.seq_gaps), report.ok() ? "OK" : "FAILED", out.c_str());
  return report.ok() ? 0 : 1;
}

int calls_command(int argc, char** argv, bool demo) {
  std::filesystem::path daemon, work = demo ? "/tmp/callrouter-demo" : "/tmp/callrouter-sim";
  ScenarioArgs args;
  int port = 0;
  std::string durability = "fsync";
  std::filesystem::path ui_dir;
  if (demo) {
    // A few agents, a call every two seconds, calls a few seconds long: readable as it scrolls.
    args.orgs = 1;
    args.agents_per_org = 4;
    args.options.calls_per_s = 0.5;
    args.options.seconds = 24 * 3600;
    args.options.time_scale = 0.1;
    args.options.print_calls = true;
    args.options.drain_s = 30;
  }
  for (int i = 2; i < argc; ++i) {
    std::string_view a = argv[i];
    std::function<std::string()> next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (args.handled(a, next)) continue;
    if (a == "--daemon") daemon = next();
    else if (a == "--work") work = next();
    else if (a == "--port") port = std::stoi(next());
    else if (a == "--durability") durability = next();
    else if (a == "--print-calls") args.options.print_calls = true;
    else if (a == "--ui") ui_dir = next();
    else {
      usage();
      return 2;
    }
  }
  if (daemon.empty()) {
    usage();
    return 2;
  }
  std::filesystem::create_directories(work);
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  ProviderRest rest(scenario_call_update, {});
  if (demo) {
    std::printf("demo: callrouterd with 1 org, %d agents on WebSockets, a call every %.0f s "
                "(70%% to the menu line, 30%% straight to the sales group); Ctrl-C stops\n\n",
                args.agents_per_org, 1 / args.options.calls_per_s);
  }
  if (!ui_dir.empty() && !std::filesystem::exists(ui_dir / "index.html")) {
    std::fprintf(stderr, "no console in %s (make ui builds it); the demo runs without /ui/\n", ui_dir.c_str());
    ui_dir.clear();
  }
  auto report = scenario_against_fresh_daemon(daemon, work, args, rest, durability, demo ? "warn" : "info", port, ui_dir);
  print_scenario(report);
  return report.bad_answers == 0 && report.transport_errors == 0 ? 0 : 1;
}

// The provider REST stand-in alone, for a daemon started by hand or by a test.
int rest_command(int argc, char** argv) {
  int port = 0;
  for (int i = 2; i + 1 < argc; ++i) {
    if (std::string_view(argv[i]) == "--port") port = std::atoi(argv[i + 1]);
  }
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);  // the REST thread inherits the mask
  ProviderRest rest({}, [](std::string sid, std::string to, std::string from, std::string) {
    std::printf("call created: %s from %s to %s\n", sid.c_str(), from.c_str(), to.c_str());
    std::fflush(stdout);
  }, port);
  std::printf("provider REST stand-in on %s (set provider.api_base_url to it); Ctrl-C stops\n", rest.base_url().c_str());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  const auto& c = rest.counters();
  std::printf("call updates %llu, call creates %llu, number searches %llu, purchases %llu, other %llu\n",
              static_cast<unsigned long long>(c.call_updates.load()), static_cast<unsigned long long>(c.call_creates.load()),
              static_cast<unsigned long long>(c.number_searches.load()),
              static_cast<unsigned long long>(c.number_purchases.load()), static_cast<unsigned long long>(c.other.load()));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "rest") == 0) return rest_command(argc, argv);
  std::signal(SIGPIPE, SIG_IGN);
  if (argc >= 2 && std::strcmp(argv[1], "bench") == 0) return bench_command(argc, argv);
  if (argc >= 2 && std::strcmp(argv[1], "pinned") == 0) return pinned_command(argc, argv);
  if (argc >= 2 && std::strcmp(argv[1], "crash") == 0) return crash_command(argc, argv);
  if (argc >= 2 && std::strcmp(argv[1], "calls") == 0) return calls_command(argc, argv, false);
  if (argc >= 2 && std::strcmp(argv[1], "demo") == 0) return calls_command(argc, argv, true);
  usage();
  return 2;
}
