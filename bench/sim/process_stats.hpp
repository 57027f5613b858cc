// CPU time and peak memory of a process, from /proc: the benchmark reports what the daemon (and
// the simulator itself) spent, so a client that ate the machine cannot pass unnoticed.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace callrouter::sim {

struct CpuSample {
  double cpu_s = 0;   // user + system, all threads
  double wall_s = 0;  // steady clock, for rates
};

// /proc/<pid>/stat utime + stime; pid 0 means this process.
CpuSample sample_cpu(pid_t pid);
// Cores used between two samples (1.0 = one core busy all the time).
double cores_used(const CpuSample& before, const CpuSample& after);
// The whole machine from /proc/stat: busy (everything but idle and iowait) and stolen time, in
// seconds summed over all CPUs. Busy ≈ nproc means the run was machine-bound, whoever's fault.
struct MachineSample {
  double busy_s = 0, steal_s = 0, wall_s = 0;
};
MachineSample sample_machine();
struct MachineUse {
  double busy_cores = 0, steal_cores = 0;
};
MachineUse machine_used(const MachineSample& before, const MachineSample& after);

// VmHWM (peak resident set) in bytes; 0 if unreadable.
std::uint64_t peak_rss_bytes(pid_t pid);
std::uint64_t rss_bytes(pid_t pid);

}  // namespace callrouter::sim
