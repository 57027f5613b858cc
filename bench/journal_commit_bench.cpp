// Group-commit benchmark of store::Journal: records/s, WriteBatches/s and commit latency (commit()
// to its done callback) for journal.durability fsync vs none, across loop-turn sizes and offered loads.
#include <simdjson.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <thread>

#include "bench_support.hpp"
#include "common/json_writer.hpp"

using namespace callrouter;
using namespace callrouter::bench;

namespace {

// Stands in for the daemon's asio loop: commit(), the flush it posts and the completions the
// journal thread posts all run on this (main) thread, in post order, as they do in the daemon.
// It sleeps when idle so that on 2 cores it does not steal the CPU the journal thread needs.
class Loop {
 public:
  store::Journal::Post post() {
    return [this](std::function<void()> fn) {
      {
        std::lock_guard lock(mutex_);
        queue_.push_back(std::move(fn));
      }
      wake_.notify_one();
    };
  }

  // Runs posted work until `done()` holds or `deadline` passes with nothing left to run.
  template <class Done>
  void run_until(Clock::time_point deadline, Done done) {
    std::deque<std::function<void()>> ready;
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        if (queue_.empty()) {
          if (done() || Clock::now() >= deadline) return;
          wake_.wait_until(lock, deadline, [&] { return !queue_.empty(); });
          if (queue_.empty()) return;
        }
        ready.swap(queue_);
      }
      for (auto& fn : ready) fn();
      ready.clear();
      if (done()) return;
    }
  }
  // One loop turn's tail: whatever is queued now (the turn's flush, completions) runs.
  void run_ready() {
    run_until(Clock::now(), [] { return false; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
};

struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::filesystem::path& parent) {
    std::string tmpl = (parent / "callrouter-bench-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed under " + parent.string());
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

enum class Mode { closed, open, saturate };
enum class Shape { record, webhook };

const char* mode_name(Mode m) {
  switch (m) {
    case Mode::closed: return "closed";
    case Mode::open: return "open";
    case Mode::saturate: return "saturate";
  }
  return "?";
}

struct RunSpec {
  Mode mode;
  Durability durability;
  Shape shape;
  int turn_size;              // commit() calls per loop turn
  double offered_per_s = 0;   // open loop: commit() calls offered per second
};

struct RunResult {
  RunSpec spec;
  std::size_t ops_per_commit = 0;
  std::uint64_t records = 0, turns = 0, batches = 0, failed = 0;
  double seconds = 0;
  LatencySummary latency;
};

// Builds what one commit() carries; keys are fresh per commit so every write is an insert, as for
// new calls. Single records reuse values rendered ahead (the cost measured is the journal's, not
// JSON's); webhook write sets are built per commit, as the loop thread builds them in the daemon.
class Payloads {
 public:
  explicit Payloads(Shape shape) : shape_(shape) {
    const auto t0 = Timestamp(std::chrono::seconds(1'795'000'000));
    for (int i = 0; i < kPool; ++i) {
      auto r = sample_call("demo", call_sid(static_cast<std::uint64_t>(i)), t0 + std::chrono::seconds(i), false);
      values_.push_back(store::encode_value(engine::to_json(r)));
    }
  }
  store::WriteSet next() {
    const auto n = counter_++;
    store::WriteSet ops;
    if (shape_ == Shape::record) {
      ops.push_back({store::Cf::calls, store::call_key("demo", call_sid(n)), values_[n % kPool]});
    } else {
      auto r = sample_call("demo", call_sid(n), Timestamp(std::chrono::seconds(1'795'000'000 + n)), true);
      r.status = "ringing";
      r.answered_at.reset();
      r.status_seqs.clear();
      r.last_status_seq = -1;
      append_voice_webhook(r, ops);
    }
    return ops;
  }
  std::size_t value_bytes() const { return values_.front().size(); }

 private:
  static constexpr int kPool = 1024;
  Shape shape_;
  std::vector<std::string> values_;
  std::uint64_t counter_ = 0;
};

RunResult run_one(const RunSpec& spec, const std::filesystem::path& parent, double seconds) {
  TempDir dir(parent);
  Loop loop;
  auto opened = store::Journal::open(dir.path, spec.durability, loop.post());
  if (!opened) throw std::runtime_error(opened.error());
  auto& journal = **opened;
  Payloads payloads(spec.shape);

  RunResult result;
  result.spec = spec;
  result.ops_per_commit = payloads.next().size();
  std::vector<std::int64_t> latencies;
  latencies.reserve(1 << 20);
  std::uint64_t submitted = 0, completed = 0;
  bool measuring = false;

  // `since` is when the commit was due: for the open loop that is its scheduled time, so a loop
  // that falls behind shows up as latency instead of silently offering less (no coordinated omission).
  auto submit_turn = [&](int n, Clock::time_point since) {
    for (int i = 0; i < n; ++i) {
      const bool counted = measuring;
      const auto t0 = spec.mode == Mode::open ? since : Clock::now();
      ++submitted;
      journal.commit(payloads.next(), [&, t0, counted](bool durable) {
        ++completed;
        if (!durable) ++result.failed;
        if (counted) latencies.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
      });
    }
  };
  auto drain = [&] { loop.run_until(Clock::now() + std::chrono::seconds(30), [&] { return completed == submitted; }); };

  // Warm-up: the first writes create the WAL file and memtables; keep them out of the numbers.
  for (int i = 0; i < 20; ++i) {
    submit_turn(spec.turn_size, Clock::now());
    drain();
  }

  measuring = true;
  const auto batches_before = journal.commits();
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  switch (spec.mode) {
    case Mode::closed:
      // One turn at a time: each waits for its own fsync, the way a lone client sees the journal.
      while (Clock::now() < end) {
        submit_turn(spec.turn_size, Clock::now());
        ++result.turns;
        drain();
      }
      break;
    case Mode::open: {
      // Turns arrive on a fixed schedule whatever the journal is doing.
      const auto interval = std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>(spec.turn_size / spec.offered_per_s));
      for (auto due = start; due < end; due += interval) {
        loop.run_until(due, [] { return false; });
        submit_turn(spec.turn_size, due);
        ++result.turns;
      }
      drain();
      break;
    }
    case Mode::saturate: {
      // New turns keep coming while earlier fsyncs run; the journal thread merges whatever queued
      // up into its next WriteBatch. A cap on records in flight keeps memory bounded.
      constexpr std::uint64_t kInFlightCap = 10'000;
      while (Clock::now() < end) {
        if (submitted - completed + spec.turn_size > kInFlightCap) {
          loop.run_until(end, [&] { return submitted - completed + spec.turn_size <= kInFlightCap; });
          continue;
        }
        submit_turn(spec.turn_size, Clock::now());
        ++result.turns;
        loop.run_ready();
      }
      drain();
      break;
    }
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.batches = journal.commits() - batches_before;
  result.records = latencies.size();
  result.latency = summarize(latencies);
  journal.close();
  return result;
}

std::string durability_name(Durability d) { return d == Durability::fsync ? "fsync" : "none"; }

std::string fixed(double v, int digits = 1) { return fmt::format("{:.{}f}", v, digits); }

void print_table(const std::vector<RunResult>& results, Mode mode) {
  std::printf("\n| durability | shape | turn size | offered/s | records/s | WriteBatches/s | turns/batch "
              "| p50 µs | p99 µs | p99.9 µs | max µs |\n");
  std::printf("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const auto& r : results) {
    if (r.spec.mode != mode) continue;
    std::printf("| %s | %s | %d | %s | %.0f | %.0f | %.1f | %.0f | %.0f | %.0f | %.0f |\n",
                durability_name(r.spec.durability).c_str(), r.spec.shape == Shape::record ? "record" : "webhook",
                r.spec.turn_size, r.spec.offered_per_s > 0 ? fmt::format("{:.0f}", r.spec.offered_per_s).c_str() : "—",
                static_cast<double>(r.records) / r.seconds, static_cast<double>(r.batches) / r.seconds,
                r.batches ? static_cast<double>(r.turns) / static_cast<double>(r.batches) : 0.0, r.latency.p50_us,
                r.latency.p99_us, r.latency.p999_us, r.latency.max_us);
  }
}

std::string to_json(const std::vector<RunResult>& results, double seconds, std::size_t value_bytes, double load_before,
                    double load_after) {
  JsonWriter w;
  w.begin_object().field("benchmark", "journal_commit");
  w.key("machine")
      .begin_object()
      .field("nproc", static_cast<std::int64_t>(std::thread::hardware_concurrency()))
      .field("cpu", cpu_model())
      .key("load_average_before").raw(fixed(load_before, 2))
      .key("load_average_after").raw(fixed(load_after, 2))
      .end_object();
  w.key("seconds_per_run").raw(fixed(seconds, 2));
  w.field("record_value_bytes", static_cast<std::int64_t>(value_bytes));
  w.key("runs").begin_array();
  for (const auto& r : results) {
    w.begin_object()
        .field("mode", mode_name(r.spec.mode))
        .field("durability", durability_name(r.spec.durability))
        .field("shape", r.spec.shape == Shape::record ? "record" : "webhook")
        .field("ops_per_commit", static_cast<std::int64_t>(r.ops_per_commit))
        .field("turn_size", r.spec.turn_size);
    w.key("offered_per_s").raw(fixed(r.spec.offered_per_s, 0));
    w.field("records", r.records).field("turns", r.turns).field("write_batches", r.batches).field("failed", r.failed);
    w.key("seconds").raw(fixed(r.seconds, 3));
    w.key("records_per_s").raw(fixed(static_cast<double>(r.records) / r.seconds, 0));
    w.key("write_batches_per_s").raw(fixed(static_cast<double>(r.batches) / r.seconds, 0));
    w.key("turns_per_write_batch").raw(fixed(r.batches ? static_cast<double>(r.turns) / static_cast<double>(r.batches) : 0, 2));
    w.key("latency_us")
        .begin_object()
        .key("p50").raw(fixed(r.latency.p50_us))
        .key("p99").raw(fixed(r.latency.p99_us))
        .key("p999").raw(fixed(r.latency.p999_us))
        .key("max").raw(fixed(r.latency.max_us))
        .key("mean").raw(fixed(r.latency.mean_us))
        .end_object();
    w.end_object();
  }
  w.end_array().end_object();
  return w.take() + "\n";
}

void usage() {
  std::fprintf(stderr,
               "usage: journal_commit_bench [--seconds S] [--dir PARENT] [--out FILE]\n"
               "  --seconds S   measured run length per configuration (default 3)\n"
               "  --dir PARENT  where the temporary journals go (default /tmp)\n"
               "  --out FILE    JSON results (default bench/results/journal_commit.json)\n");
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 3;
  std::filesystem::path parent = "/tmp";
  std::filesystem::path out = "bench/results/journal_commit.json";
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (a == "--dir" && i + 1 < argc) {
      parent = argv[++i];
    } else if (a == "--out" && i + 1 < argc) {
      out = argv[++i];
    } else {
      usage();
      return 2;
    }
  }
  spdlog::set_level(spdlog::level::err);  // "durability none" warns at every open
  // Default timer slack (50 µs) would delay every scheduled open-loop turn and show up as latency.
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

  std::vector<RunSpec> specs;
  for (auto d : {Durability::fsync, Durability::none}) {
    for (int n : {1, 8, 64, 512}) specs.push_back({Mode::closed, d, Shape::record, n});
  }
  for (auto d : {Durability::fsync, Durability::none}) {
    for (int n : {1, 64}) specs.push_back({Mode::saturate, d, Shape::record, n});
  }
  // One webhook per loop turn is the daemon's worst case (no two requests read in the same turn);
  // 10,000/s is the latency bar of DESIGN.md §5.
  for (auto d : {Durability::fsync, Durability::none}) {
    for (double rate : {1'000.0, 10'000.0, 30'000.0}) specs.push_back({Mode::open, d, Shape::webhook, 1, rate});
  }

  const double load_before = load_average();
  std::vector<RunResult> results;
  for (const auto& spec : specs) {
    std::fprintf(stderr, "%s %s %s turn=%d offered=%.0f ...\n", mode_name(spec.mode),
                 durability_name(spec.durability).c_str(), spec.shape == Shape::record ? "record" : "webhook",
                 spec.turn_size, spec.offered_per_s);
    results.push_back(run_one(spec, parent, seconds));
  }

  std::printf("\n### Closed loop: one turn of N single-record commits at a time\n");
  print_table(results, Mode::closed);
  std::printf("\n### Saturated: turns submitted while earlier fsyncs run (≤ 10,000 records in flight)\n");
  print_table(results, Mode::saturate);
  std::printf("\n### Open loop: voice-webhook write sets, one per loop turn, at a fixed offered rate\n");
  print_table(results, Mode::open);

  const double load_after = load_average();
  const auto value_bytes = Payloads(Shape::record).value_bytes();
  if (!write_file(out, to_json(results, seconds, value_bytes, load_before, load_after))) {
    std::fprintf(stderr, "cannot write %s\n", out.c_str());
    return 1;
  }
  std::printf("\nrecord value: %zu bytes; load average %.2f before, %.2f after (other work on the machine "
              "skews these numbers); results written to %s\n",
              value_bytes, load_before, load_after, out.c_str());
  return 0;
}
