// Nothing lost under the pinned load (issue 13): callrouterd pinned to one core takes new-call
// voice webhooks closed loop from the simulator, is killed with SIGKILL mid-load, restarted on the
// same data dir, loaded again, killed again … Then the org's change feed (GET /v1/events) must hold
// exactly one call.ringing for every webhook that was answered 200, with no gap in seq.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace callrouter::sim {

struct CrashOptions {
  std::filesystem::path daemon, work;
  std::string server_cpus = "0";
  std::size_t connections = 256;
  int kills = 3;
  double load_s = 3;  // seconds of load before each kill
  std::string public_base_url = "https://sim.callrouter.invalid";
  std::string provider_api_base_url;
};

struct CrashReport {
  int kills = 0;
  std::uint64_t sent = 0, acknowledged = 0;
  std::uint64_t events = 0, ringing = 0;
  std::uint64_t acknowledged_missing = 0;  // answered 200 but no call.ringing in the feed
  std::uint64_t duplicated = 0;            // a call with more than one call.ringing
  std::uint64_t seq_gaps = 0;              // seq not the previous + 1
  bool ok() const { return kills > 0 && acknowledged > 0 && acknowledged_missing == 0 && duplicated == 0 && seq_gaps == 0; }
};

CrashReport run_crash(const CrashOptions& o);
std::string crash_json(const CrashReport& r, const CrashOptions& o);

}  // namespace callrouter::sim
