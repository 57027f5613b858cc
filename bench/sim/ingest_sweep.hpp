// The standard ingest sweep: for each offered rate, the bare Beast server and then a fresh
// callrouterd (fsync durability) get the same signed voice webhooks from the same client.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "sim/ingest_run.hpp"

namespace callrouter::sim {

struct SweepOptions {
  std::filesystem::path daemon, bare, work;
  std::vector<double> rates{1000, 2000, 5000, 10000};
  double saturate = 30000;  // one more step far above capacity: what each server sustains (0: skip)
  double warmup_s = 2, seconds = 8;
  std::size_t connections = 2048;  // the provider opens as many as it needs; 256 capped the daemon by Little's law
  std::string durability = "fsync";
  std::string public_base_url = "https://sim.callrouter.invalid";
  std::string provider_api_base_url;
  bool bare_only = false, daemon_only = false;
};

std::vector<IngestResult> run_sweep(const SweepOptions& o);
// One row per result, as JSON objects in an array.
std::string sweep_json(const std::vector<IngestResult>& results, const SweepOptions& o);
void print_result(const IngestResult& r);

}  // namespace callrouter::sim
