// The pinned throughput comparison (issue 13): each server — the bare Beast server, the durable
// baseline (bare + one fsynced RocksDB record per request) and callrouterd — pinned to the same
// core, the simulator on another, the same pre-signed new-call voice webhooks sent closed loop
// (each connection sends its next request when the last is answered). Servers alternate round
// by round so drift on a noisy machine hits all three alike.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "sim/ingest_run.hpp"

namespace callrouter::sim {

struct PinnedOptions {
  std::filesystem::path daemon, bare, durable, work;
  std::string server_cpus = "0", client_cpu = "1";
  std::size_t connections = 256;
  double warmup_s = 2, seconds = 8;
  int rounds = 3;
  std::uint64_t requests = 300'000;  // unique new calls built for callrouterd (a repeat would be a replay)
  // bench/malloc_count.cpp built as a shared library: when set, one more round per server runs
  // with it preloaded and reports heap allocations per webhook (not mixed into the throughput).
  std::filesystem::path malloc_count;
  std::string public_base_url = "https://sim.callrouter.invalid";
  std::string provider_api_base_url;
  std::vector<std::string> targets{"bare", "durable", "callrouterd"};  // which servers run, in this order
};

struct PinnedResult {
  IngestResult run;  // offered is 0: closed loop; latency is from each request's send
  int round = 0;     // 0: the allocation-counting round
  bool requests_reused = false;  // the run sent more than the unique requests built
  double allocations_per_request = -1, allocated_bytes_per_request = -1;  // -1: not counted
};

struct ClosedLoop {
  std::size_t connections = 256;
  double warmup_s = 2, seconds = 8;
  std::filesystem::path counters;  // malloc_count's MALLOC_COUNT_FILE, read at the window's ends; empty: none
};

// One closed-loop run against `target`: `connections` requests in flight at all times, request i
// being requests[i % size] (more than size marks the result requests_reused).
PinnedResult run_closed_loop(const boost::asio::ip::tcp::endpoint& target, pid_t target_pid,
                             const std::vector<std::string>& requests, const ClosedLoop& options);

std::vector<PinnedResult> run_pinned(const PinnedOptions& o);
std::string pinned_json(const std::vector<PinnedResult>& results, const PinnedOptions& o);
// The Markdown table docs/performance.md shows: each run, then the medians and both ratios.
std::string pinned_markdown(const std::vector<PinnedResult>& results);

}  // namespace callrouter::sim
