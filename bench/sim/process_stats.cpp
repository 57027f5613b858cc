#include "sim/process_stats.hpp"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

namespace callrouter::sim {
namespace {

std::string proc_path(pid_t pid, const char* file) {
  return pid == 0 ? std::string("/proc/self/") + file : "/proc/" + std::to_string(pid) + "/" + file;
}

std::uint64_t status_kib(pid_t pid, std::string_view field) {
  std::ifstream in(proc_path(pid, "status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(field)) return std::stoull(line.substr(field.size() + 1)) * 1024;
  }
  return 0;
}

}  // namespace

CpuSample sample_cpu(pid_t pid) {
  CpuSample s;
  s.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  std::ifstream in(proc_path(pid, "stat"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name may contain spaces; fields are counted after its closing parenthesis.
  auto close = text.rfind(')');
  if (close == std::string::npos) return s;
  std::istringstream fields(text.substr(close + 2));
  std::string skip;
  for (int i = 3; i < 14; ++i) fields >> skip;  // state … cmajflt (fields 3-13)
  unsigned long long utime = 0, stime = 0;
  fields >> utime >> stime;
  s.cpu_s = static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  return s;
}

double cores_used(const CpuSample& before, const CpuSample& after) {
  const double wall = after.wall_s - before.wall_s;
  return wall > 0 ? (after.cpu_s - before.cpu_s) / wall : 0.0;
}

std::uint64_t peak_rss_bytes(pid_t pid) { return status_kib(pid, "VmHWM:"); }
std::uint64_t rss_bytes(pid_t pid) { return status_kib(pid, "VmRSS:"); }

}  // namespace callrouter::sim
