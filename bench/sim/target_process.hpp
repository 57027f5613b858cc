// The servers under test as child processes: callrouterd with a throwaway config, data dir and
// seed (as bench/ready_bench.cpp starts it), or the bare Beast baseline. Both are measured from
// outside through their pid.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "sim/bench_seed.hpp"

namespace callrouter::sim {

int free_port();
// GET `path` on 127.0.0.1:port over a fresh connection: the status, or -1 if nothing answers.
int http_get_status(int port, const char* path);

class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();
  // stdout and stderr go to `log`.
  void spawn(const std::vector<std::string>& argv, const std::filesystem::path& log);
  // SIGTERM, then SIGKILL after `grace_ms`; returns the exit status (or -1).
  int stop(int grace_ms = 10'000);
  bool running();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = 0;
};

// How a server is started beyond its arguments: pinned to a taskset CPU list ("0") with every
// thread it will have, and with extra environment ("LD_PRELOAD=…"). Empty: as is.
struct Launch {
  std::string cpus;
  std::vector<std::string> env;
};
// `argv` under `/usr/bin/env K=V… taskset -c cpus` as needed: both exec, so the pid is the server's.
std::vector<std::string> launch_argv(std::vector<std::string> argv, const Launch& launch);

struct DaemonSettings {
  std::filesystem::path binary;
  std::filesystem::path home;        // config, seed, keys and data go here (created, removed by the caller)
  std::string public_base_url = "https://sim.callrouter.invalid";
  std::string provider_api_base_url;  // the simulator's REST stand-in
  std::string durability = "fsync";
  std::string log_level = "info";
  int port = 0;  // 0: a free port
  Launch launch;  // pinned to CPUs, extra environment: none by default
  std::filesystem::path ui_dir;  // the console to serve at /ui/ (make demo); none when empty
};

// Writes config + seed into settings.home, starts the daemon, waits for /readyz 200.
// Throws std::runtime_error with the log's path when it does not come up.
struct Daemon {
  ChildProcess process;
  int port = 0;
  std::filesystem::path log;
  std::string system_key;
  std::string admin_key;  // of the first seeded org
};
void start_daemon(Daemon& d, DaemonSettings settings, const std::vector<SimOrg>& orgs, const SeedShape& shape);
// Starts it again on the config and data dir start_daemon wrote (after it stopped or was killed);
// waits for /readyz 200.
void restart_daemon(Daemon& d, const DaemonSettings& settings);

// The bare Beast server (bench/bare_server.cpp) on a free port; waits until it answers. `extra`
// arguments follow `--port N` (the durable baseline's `--data DIR`).
void start_bare(ChildProcess& p, int& port, const std::filesystem::path& binary, const std::filesystem::path& log,
                const std::vector<std::string>& extra = {}, const Launch& launch = {});

}  // namespace callrouter::sim
