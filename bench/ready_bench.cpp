// Time-to-ready benchmark: fills a data dir with N journaled calls laid out as the app stores them,
// then times what start-up does before /readyz turns 200 (Journal::open + app::load_state, and the real daemon).
#include <fcntl.h>
#include <netinet/in.h>
#include <simdjson.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include "app/app.hpp"
#include "app/seed.hpp"
#include "bench_support.hpp"
#include "common/json_writer.hpp"
#include "sim/target_process.hpp"

extern char** environ;

using namespace callrouter;
using namespace callrouter::bench;

namespace {

struct Options {
  std::uint64_t calls = 1'000'000;
  int orgs = 100;           // the demo org plus orgs org-01 … org-99; calls spread evenly
  int live = 1'000;         // the most recent calls are still in progress
  int batch_calls = 4'000;  // calls per write_now during set-up
  std::filesystem::path dir;
  std::filesystem::path daemon;
  std::filesystem::path out = "bench/results/ready.json";
  bool keep = false;
  bool reuse = false;  // measure an existing data dir populated earlier with --keep
  bool cold = true;  // also measure with the page cache dropped (needs root)
};

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

const store::Journal::Post kNoLoop = [](std::function<void()>) {};

// Rough bytes per call on disk (SST + WAL), from the 1M run; only used to refuse runs that cannot fit.
constexpr std::uint64_t kBytesPerCallEstimate = 2'500;

std::uint64_t free_bytes(const std::filesystem::path& p) {
  struct statvfs s {};
  if (statvfs(p.c_str(), &s) != 0) return 0;
  return static_cast<std::uint64_t>(s.f_bavail) * s.f_frsize;
}

// ---- set-up -------------------------------------------------------------------------------------

std::string org_id(std::uint64_t i, int orgs) {
  auto n = i % static_cast<std::uint64_t>(orgs);
  return n == 0 ? std::string("demo") : fmt::format("org-{:02d}", n);
}

// Configuration as a running system would have it: the demo seed (org, number, published flow)
// plus one org and number per other org id. Calls do not need more for load_state.
store::WriteSet config_records(int orgs) {
  auto seed = app::seed_records(std::filesystem::path(CALLROUTER_SOURCE_DIR) / "config" / "demo-seed.json", system_now());
  if (!seed) throw std::runtime_error("demo seed: " + seed.error());
  auto ops = std::move(*seed);
  for (int n = 1; n < orgs; ++n) {
    auto id = fmt::format("org-{:02d}", n);
    ops.push_back(store::put_org({id, "Org " + id, fmt::format("AC{:032x}", n), fmt::format("{:032x}", n * 7919),
                                  "Asia/Tokyo", fmt::format("+8150{:08d}", n)}));
    ops.push_back(store::put_number({fmt::format("+8150{:08d}", n), id, "JP", "local", "main", {}, {}, 0, false}));
  }
  return ops;
}

struct Population {
  double seconds = 0;
  std::uint64_t peak_wal_bytes = 0;  // the largest WAL seen while writing: what a crash could replay
};

Population populate(const Options& o) {
  Population p;
  const auto t0 = Clock::now();
  // durability none: set-up is not what is measured; write_now syncs each batch regardless, so
  // large batches are what make it fast.
  auto opened = store::Journal::open(o.dir, Durability::none, kNoLoop);
  if (!opened) throw std::runtime_error(opened.error());
  auto& journal = **opened;
  if (auto w = journal.write_now(config_records(o.orgs)); !w) throw std::runtime_error(w.error());

  // Calls span the past year in start order, as they would have been journaled.
  const auto first = system_now() - std::chrono::hours(24 * 365);
  const auto step = std::chrono::microseconds(std::chrono::hours(24 * 365)) / static_cast<std::int64_t>(o.calls);
  const std::uint64_t live_from = o.calls > static_cast<std::uint64_t>(o.live) ? o.calls - o.live : 0;
  store::WriteSet ops;
  std::uint64_t next_report = o.calls / 10;
  std::uint64_t batches = 0;
  for (std::uint64_t i = 0; i < o.calls; ++i) {
    auto record = sample_call(org_id(i, o.orgs), call_sid(i), first + step * static_cast<std::int64_t>(i), i >= live_from);
    append_whole_call(record, ops);
    if ((i + 1) % static_cast<std::uint64_t>(o.batch_calls) == 0 || i + 1 == o.calls) {
      if (auto w = journal.write_now(ops); !w) throw std::runtime_error("write_now: " + w.error());
      ops.clear();
      if (++batches % 16 == 0) p.peak_wal_bytes = std::max(p.peak_wal_bytes, dir_bytes(o.dir, ".log"));
    }
    if (i + 1 == next_report) {
      std::fprintf(stderr, "  populated %llu calls (%.0f s)\n", static_cast<unsigned long long>(i + 1), ms_since(t0) / 1000);
      next_report += o.calls / 10;
    }
  }
  journal.close();
  p.peak_wal_bytes = std::max(p.peak_wal_bytes, dir_bytes(o.dir, ".log"));
  p.seconds = ms_since(t0) / 1000;
  return p;
}

// A throwaway copy of the data dir at its current state, so every measurement starts from the same
// on-disk state (the first open replays and then deletes the WAL). SST files are immutable and are
// hard-linked; everything else (WAL, MANIFEST, CURRENT, OPTIONS) is copied.
void clone_dir(const std::filesystem::path& from, const std::filesystem::path& to) {
  namespace fs = std::filesystem;
  fs::remove_all(to);
  for (auto it = fs::recursive_directory_iterator(from); it != fs::recursive_directory_iterator(); ++it) {
    auto target = to / fs::relative(it->path(), from);
    if (it->is_directory()) {
      fs::create_directories(target);
    } else if (it->path().extension() == ".sst") {
      fs::create_hard_link(it->path(), target);
    } else {
      fs::copy_file(it->path(), target);
    }
  }
}

bool drop_page_cache() {
  ::sync();
  std::ofstream f("/proc/sys/vm/drop_caches");
  f << "3\n";
  f.flush();
  return static_cast<bool>(f);
}

std::size_t count_files(const std::filesystem::path& dir, std::string_view suffix) {
  std::size_t n = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.path().string().ends_with(suffix)) ++n;
  }
  return n;
}

// ---- measurement --------------------------------------------------------------------------------

struct Lookups {
  LatencySummary present, absent;
};

struct Restart {
  std::string name;
  bool cold = false;
  std::uint64_t wal_bytes_before = 0, wal_bytes_after = 0;
  double open_ms = 0, load_state_ms = 0, directory_ms = 0;
  std::size_t live_restored = 0;
  std::optional<Lookups> lookups;
  double ready_ms() const { return open_ms + load_state_ms; }
};

// Point reads on the loaded journal: what the webhook hot path pays per CallBook::find of a known
// call (present) and of a new call (absent: every voice webhook looks up a call that is not there).
Lookups measure_lookups(const store::Journal& journal, const Options& o) {
  std::mt19937_64 rng(42);
  std::vector<std::int64_t> present, absent;
  for (int i = 0; i < 20'000; ++i) {
    const auto n = rng() % o.calls;
    auto key = store::call_key(org_id(n, o.orgs), call_sid(n));
    auto t0 = Clock::now();
    auto v = journal.get(store::Cf::calls, key);
    present.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
    if (!v) throw std::runtime_error("a populated call is missing");
    const auto m = o.calls + rng() % o.calls;
    key = store::call_key(org_id(m, o.orgs), call_sid(m));
    t0 = Clock::now();
    v = journal.get(store::Cf::calls, key);
    absent.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
  }
  return {summarize(present), summarize(absent)};
}

// What daemon/main.cpp does before /readyz turns 200: open the journal, then load_state.
Restart measure_restart(const std::string& name, const std::filesystem::path& dir, bool cold, const Options& o,
                        bool with_lookups) {
  Restart r;
  r.name = name;
  r.cold = cold;
  r.wal_bytes_before = dir_bytes(dir, ".log");
  if (cold && !drop_page_cache()) throw std::runtime_error("cannot drop the page cache");
  auto t0 = Clock::now();
  auto opened = store::Journal::open(dir, Durability::fsync, kNoLoop);
  if (!opened) throw std::runtime_error(opened.error());
  r.open_ms = ms_since(t0);
  auto& journal = **opened;
  t0 = Clock::now();
  auto state = app::load_state(journal);
  r.load_state_ms = ms_since(t0);
  if (!state) throw std::runtime_error(state.error());
  r.live_restored = state->live_calls.size();
  // Attribution only: the directory alone, again (now warm); load_state minus this is the live calls.
  t0 = Clock::now();
  auto directory = store::load_directory(journal);
  r.directory_ms = ms_since(t0);
  if (with_lookups) r.lookups = measure_lookups(journal, o);
  journal.close();
  opened->reset();
  r.wal_bytes_after = dir_bytes(dir, ".log");
  return r;
}

struct DaemonRun {
  double ready_ms = 0;        // spawn → first 200 from /readyz
  double listening_ms = 0;    // spawn → first HTTP answer of any kind
  double logged_load_ms = -1;  // the daemon's own "ready in N ms" (load_state only)
};

// The real thing: callrouterd on a copy of the data dir, timed from spawn to /readyz 200.
DaemonRun measure_daemon(const Options& o, const std::filesystem::path& data) {
  const auto home = data.parent_path() / (data.filename().string() + "-daemon-home");
  std::filesystem::create_directories(home);
  const int port = sim::free_port();
  const auto config = home / "callrouter.json";
  write_file(config, fmt::format(R"({{
  "listen": {{"address": "127.0.0.1", "port": {0}}},
  "public_base_url": "http://127.0.0.1:{0}",
  "data_dir": "{1}",
  "auth": {{"system_key_file": "system-key"}},
  "provider": {{"api_base_url": "http://127.0.0.1:9"}},
  "log": {{"level": "info"}},
  "journal": {{"durability": "fsync"}}
}}
)", port, data.string()));
  const auto log = home / "daemon.log";

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::string exe = o.daemon.string(), flag = "--config", cfg = config.string();
  char* argv[] = {exe.data(), flag.data(), cfg.data(), nullptr};
  pid_t pid = 0;
  const auto t0 = Clock::now();
  if (posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv, environ) != 0) {
    throw std::runtime_error("cannot start " + exe);
  }
  posix_spawn_file_actions_destroy(&actions);

  DaemonRun run;
  const auto deadline = t0 + std::chrono::minutes(10);
  for (;;) {
    int status = sim::http_get_status(port, "/readyz");
    if (status > 0 && run.listening_ms == 0) run.listening_ms = ms_since(t0);
    if (status == 200) {
      run.ready_ms = ms_since(t0);
      break;
    }
    int wstatus = 0;
    if (::waitpid(pid, &wstatus, WNOHANG) == pid) throw std::runtime_error("callrouterd exited; see " + log.string());
    if (Clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      throw std::runtime_error("callrouterd not ready in 10 minutes");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);

  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  std::smatch m;
  const auto s = text.str();
  if (std::regex_search(s, m, std::regex("ready in ([0-9]+) ms"))) run.logged_load_ms = std::stod(m[1]);
  std::filesystem::remove_all(home);
  return run;
}

// ---- reporting ----------------------------------------------------------------------------------

std::string fixed(double v, int digits = 1) { return fmt::format("{:.{}f}", v, digits); }

void write_latency(JsonWriter& w, std::string_view key, const LatencySummary& s) {
  w.key(key).begin_object();
  w.key("p50").raw(fixed(s.p50_us, 2)).key("p99").raw(fixed(s.p99_us, 2)).key("max").raw(fixed(s.max_us, 1));
  w.end_object();
}

std::string run_json(const Options& o, double load_before, const Population& population, std::uint64_t total, std::uint64_t wal, std::uint64_t sst,
                     std::size_t sst_files, const std::vector<Restart>& restarts, const std::optional<DaemonRun>& daemon) {
  JsonWriter w;
  w.begin_object()
      .field("calls", o.calls)
      .field("cpu", cpu_model())
      .field("nproc", static_cast<std::int64_t>(std::thread::hardware_concurrency()));
  w.key("load_average_before_measuring").raw(fixed(load_before, 2))
      .key("load_average_after").raw(fixed(load_average(), 2))
      .field("orgs", o.orgs)
      .field("live_calls", o.live)
      .field("rows_per_ended_call", "calls 1, calls_by_time 1, call_events 3, idempotency 4 (voice + 3 tokens), "
                                    "live_calls put+delete");
  w.key("populate_seconds").raw(fixed(population.seconds));
  w.key("bytes")
      .begin_object()
      .field("total", total)
      .field("wal", wal)
      .field("peak_wal_during_population", population.peak_wal_bytes)
      .field("sst", sst)
      .field("sst_files", static_cast<std::uint64_t>(sst_files))
      .end_object();
  w.key("restarts").begin_array();
  for (const auto& r : restarts) {
    w.begin_object().field("name", r.name).field("page_cache", r.cold ? "cold" : "warm");
    w.field("wal_bytes_before", r.wal_bytes_before).field("wal_bytes_after", r.wal_bytes_after);
    w.key("open_ms").raw(fixed(r.open_ms));
    w.key("load_state_ms").raw(fixed(r.load_state_ms));
    w.key("directory_ms").raw(fixed(r.directory_ms));
    w.key("ready_ms").raw(fixed(r.ready_ms()));
    w.key("wal_replay_mib_per_s").raw(r.wal_bytes_before > (1 << 20) ? fixed(r.wal_bytes_before / 1048576.0 / (r.open_ms / 1000), 0) : "null");
    w.field("live_restored", static_cast<std::uint64_t>(r.live_restored));
    if (r.lookups) {
      w.key("get_us").begin_object();
      write_latency(w, "present", r.lookups->present);
      write_latency(w, "absent", r.lookups->absent);
      w.end_object();
    }
    w.end_object();
  }
  w.end_array();
  w.key("daemon");
  if (daemon) {
    w.begin_object();
    w.key("ready_ms").raw(fixed(daemon->ready_ms));
    w.key("first_http_answer_ms").raw(fixed(daemon->listening_ms));
    w.key("logged_load_state_ms").raw(fixed(daemon->logged_load_ms, 0));
    w.end_object();
  } else {
    w.null();
  }
  w.end_object();
  return w.take();
}

// ready.json keeps one entry per call count, so the 1M and 10M runs can be made separately.
void merge_results(const std::filesystem::path& out, std::uint64_t calls, const std::string& run) {
  std::vector<std::pair<std::string, std::string>> runs;
  if (std::filesystem::exists(out)) {
    simdjson::dom::parser parser;
    simdjson::dom::object root, old;
    if (parser.load(out.string()).get(root) == simdjson::SUCCESS && root["runs"].get(old) == simdjson::SUCCESS) {
      for (auto field : old) {
        if (field.key != std::to_string(calls)) runs.emplace_back(std::string(field.key), simdjson::to_string(field.value));
      }
    }
  }
  runs.emplace_back(std::to_string(calls), run);
  std::sort(runs.begin(), runs.end(), [](auto& a, auto& b) { return std::stoull(a.first) < std::stoull(b.first); });
  JsonWriter w;
  w.begin_object().field("benchmark", "ready").key("runs").begin_object();
  for (auto& [k, v] : runs) w.key(k).raw(v);
  w.end_object().end_object();
  write_file(out, w.take() + "\n");
}

void usage() {
  std::fprintf(stderr,
               "usage: ready_bench [--calls N] [--dir DIR] [--daemon PATH] [--out FILE] [--keep] [--reuse] [--no-cold]\n"
               "  --calls N      journaled calls to populate (default 1000000)\n"
               "  --dir DIR      data dir to create (default /tmp/callrouter-ready-N; must not exist)\n"
               "  --daemon PATH  also time callrouterd from spawn to /readyz 200\n"
               "  --out FILE     JSON results, merged by N (default bench/results/ready.json)\n"
               "  --keep         keep the populated data dir\n"
               "  --reuse        measure DIR as populated by an earlier --keep run with the same --calls\n"
               "  --no-cold      skip the measurements with a dropped page cache (they need root)\n");
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--calls" && (v = next())) {
      o.calls = std::strtoull(v, nullptr, 10);
    } else if (a == "--dir" && (v = next())) {
      o.dir = v;
    } else if (a == "--daemon" && (v = next())) {
      o.daemon = std::filesystem::absolute(v);
    } else if (a == "--out" && (v = next())) {
      o.out = v;
    } else if (a == "--keep") {
      o.keep = true;
    } else if (a == "--reuse") {
      o.reuse = o.keep = true;
    } else if (a == "--no-cold") {
      o.cold = false;
    } else {
      usage();
      return 2;
    }
  }
  if (o.calls < 10'000) {
    std::fprintf(stderr, "ready_bench: --calls must be at least 10000\n");
    return 2;
  }
  if (o.dir.empty()) o.dir = fmt::format("/tmp/callrouter-ready-{}", o.calls);
  if (std::filesystem::exists(o.dir) != o.reuse) {
    std::fprintf(stderr, o.reuse ? "ready_bench: %s does not exist\n" : "ready_bench: %s already exists\n", o.dir.c_str());
    return 2;
  }
  spdlog::set_level(spdlog::level::err);

  const auto parent = std::filesystem::absolute(o.dir).parent_path();
  // The original plus the copied WAL of one clone at a time; SSTs of clones are hard links.
  const auto needed = o.calls * kBytesPerCallEstimate * 3 / 2;
  const auto avail = free_bytes(parent);
  std::fprintf(stderr, "ready_bench: %llu calls in %s; free there: %s, estimated need: %s\n",
               static_cast<unsigned long long>(o.calls), o.dir.c_str(), mib(avail).c_str(), mib(needed).c_str());
  if (!o.reuse && avail < needed) {
    std::fprintf(stderr, "ready_bench: not enough free disk under %s\n", parent.c_str());
    return 1;
  }

  const auto data = std::filesystem::absolute(o.dir);
  const auto scratch = parent / (data.filename().string() + "-clone");
  int rc = 0;
  try {
    Population population;
    if (o.reuse) {
      std::fprintf(stderr, "reusing the data in %s (populated earlier with --calls %llu)\n", o.dir.c_str(),
                   static_cast<unsigned long long>(o.calls));
    } else {
      std::fprintf(stderr, "populating (set-up, not measured) ...\n");
      population = populate(o);
    }
    const auto total = dir_bytes(data), wal = dir_bytes(data, ".log"), sst = dir_bytes(data, ".sst");
    const auto sst_files = count_files(data, ".sst");
    std::fprintf(stderr, "%s on disk (WAL %s, SST %s in %zu files)\n", mib(total).c_str(), mib(wal).c_str(),
                 mib(sst).c_str(), sst_files);

    const bool can_drop = o.cold && drop_page_cache();
    if (o.cold && !can_drop) std::fprintf(stderr, "cannot drop the page cache (not root?): cold runs skipped\n");

    const double load_before = load_average();
    // Each scenario starts from the state population left (its WAL included) on a fresh clone.
    std::vector<Restart> restarts;
    clone_dir(data, scratch);
    restarts.push_back(measure_restart("restart after population (WAL replay)", scratch, false, o, true));
    // The same clone again: the first open flushed the replayed WAL, so this shows open without it.
    restarts.push_back(measure_restart("second restart (WAL already replayed)", scratch, false, o, true));
    if (can_drop) {
      clone_dir(data, scratch);
      restarts.push_back(measure_restart("restart after population, cold cache", scratch, true, o, true));
      restarts.push_back(measure_restart("second restart, cold cache", scratch, true, o, true));
    }
    std::optional<DaemonRun> daemon;
    if (!o.daemon.empty()) {
      clone_dir(data, scratch);
      std::fprintf(stderr, "timing %s on a clone ...\n", o.daemon.c_str());
      daemon = measure_daemon(o, scratch);
    }
    std::filesystem::remove_all(scratch);

    std::printf("\n### Time to ready, %llu journaled calls (%d orgs, %d in progress)\n\n",
                static_cast<unsigned long long>(o.calls), o.orgs, o.live);
    std::printf("data dir: %s total, WAL %s, SST %s in %zu files", mib(total).c_str(), mib(wal).c_str(),
                mib(sst).c_str(), sst_files);
    if (!o.reuse) {
      std::printf("; populated in %.0f s, largest WAL meanwhile %s", population.seconds,
                  mib(population.peak_wal_bytes).c_str());
    }
    std::printf("\nload average before measuring: %.2f (other work on the machine skews these numbers)\n\n", load_before);
    std::printf("| restart | page cache | WAL before | Journal::open ms | load_state ms | of which directory ms "
                "| ready ms | live restored |\n|---|---|---:|---:|---:|---:|---:|---:|\n");
    for (const auto& r : restarts) {
      std::printf("| %s | %s | %s | %.0f | %.1f | %.1f | %.0f | %zu |\n", r.name.c_str(), r.cold ? "cold" : "warm",
                  mib(r.wal_bytes_before).c_str(), r.open_ms, r.load_state_ms, r.directory_ms, r.ready_ms(),
                  r.live_restored);
    }
    for (const auto& r : restarts) {
      if (r.wal_bytes_before > (1 << 20)) {
        std::printf("\nWAL replay (%s): %.0f MiB/s\n", r.cold ? "cold" : "warm",
                    static_cast<double>(r.wal_bytes_before) / (1 << 20) / (r.open_ms / 1000));
      }
    }
    for (const auto& r : restarts) {
      if (!r.lookups) continue;
      std::printf("\npoint reads after \"%s\" (%s): present p50 %.1f µs p99 %.1f µs; absent p50 %.1f µs p99 %.1f µs\n",
                  r.name.c_str(), r.cold ? "cold" : "warm", r.lookups->present.p50_us, r.lookups->present.p99_us,
                  r.lookups->absent.p50_us, r.lookups->absent.p99_us);
    }
    if (daemon) {
      std::printf("\ncallrouterd: /readyz 200 after %.0f ms from spawn (first HTTP answer at %.0f ms; "
                  "its log says load_state took %.0f ms)\n",
                  daemon->ready_ms, daemon->listening_ms, daemon->logged_load_ms);
    }
    merge_results(o.out, o.calls, run_json(o, load_before, population, total, wal, sst, sst_files, restarts, daemon));
    std::printf("\nresults merged into %s\n", o.out.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ready_bench: %s\n", e.what());
    rc = 1;
  }
  std::filesystem::remove_all(scratch);
  if (!o.keep) std::filesystem::remove_all(data);
  return rc;
}
