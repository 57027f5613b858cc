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
// VmHWM (peak resident set) in bytes; 0 if unreadable.
std::uint64_t peak_rss_bytes(pid_t pid);
std::uint64_t rss_bytes(pid_t pid);

}  // namespace callrouter::sim
