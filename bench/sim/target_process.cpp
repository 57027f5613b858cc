#include "sim/target_process.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "common/json_writer.hpp"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace callrouter::sim {

int free_port() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  return ntohs(a.sin_port);
}

int http_get_status(int port, const char* path) {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{1, 0};
  ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  int status = -1;
  if (::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    auto req = fmt::format("GET {} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
    char buf[64] = {};
    if (::write(s, req.data(), req.size()) == static_cast<ssize_t>(req.size()) && ::read(s, buf, sizeof buf - 1) > 12) {
      status = std::atoi(buf + 9);
    }
  }
  ::close(s);
  return status;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) stop(2'000);
}

void ChildProcess::spawn(const std::vector<std::string>& argv, const std::filesystem::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<std::string> args = argv;
  std::vector<char*> raw;
  for (auto& a : args) raw.push_back(a.data());
  raw.push_back(nullptr);
  // Its own process group: Ctrl-C reaches the simulator only, which lets calls finish and then
  // stops the server itself.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  const int rc = posix_spawn(&pid_, raw[0], &actions, &attr, raw.data(), environ);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    posix_spawn_file_actions_destroy(&actions);
    pid_ = 0;
    throw std::runtime_error("cannot start " + argv[0]);
  }
  posix_spawn_file_actions_destroy(&actions);
}

bool ChildProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = 0;
    return false;
  }
  return true;
}

int ChildProcess::stop(int grace_ms) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  for (int waited = 0; waited < grace_ms; waited += 10) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = 0;
  return -1;
}

namespace {

void write_text(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

std::string read_trimmed(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::string s;
  std::getline(in, s);
  return s;
}

std::vector<std::string> daemon_argv(const DaemonSettings& s) {
  return launch_argv({std::filesystem::absolute(s.binary).string(), "--config", (s.home / "callrouter.json").string()},
                     s.launch);
}

// The config's "ui" entry when a console is to be served, else nothing.
std::string ui_config(const std::filesystem::path& dir) {
  if (dir.empty()) return {};
  std::string out = ",\n  \"ui\": {\"dir\": ";
  append_json_string(out, std::filesystem::absolute(dir).string());
  out += '}';
  return out;
}

void wait_for(ChildProcess& p, int port, const char* path, const std::filesystem::path& log) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (http_get_status(port, path) != 200) {
    if (!p.running()) throw std::runtime_error("the server exited at start; see " + log.string());
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("not ready in 60 s; see " + log.string());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

void start_daemon(Daemon& d, DaemonSettings s, const std::vector<SimOrg>& orgs, const SeedShape& shape) {
  namespace fs = std::filesystem;
  fs::create_directories(s.home);
  d.port = s.port ? s.port : free_port();
  d.log = s.home / "callrouterd.log";
  d.system_key = fmt::format("{:016x}{:016x}", std::random_device{}(), 0x515eedULL);
  write_text(s.home / "system-key", d.system_key + "\n");
  ::chmod((s.home / "system-key").c_str(), 0600);
  write_text(s.home / "seed.json", seed_json(orgs, shape));
  write_text(s.home / "callrouter.json", fmt::format(R"({{
  "listen": {{"address": "127.0.0.1", "port": {}}},
  "public_base_url": "{}",
  "data_dir": "data",
  "auth": {{"system_key_file": "system-key"}},
  "provider": {{"api_base_url": "{}"}},
  "log": {{"level": "{}"}},
  "http": {{"max_connections": 10000}},
  "journal": {{"durability": "{}"}},
  "seed": {{"file": "seed.json", "admin_key_file": "admin-key"}}{}
}}
)",
                                                     d.port, s.public_base_url, s.provider_api_base_url, s.log_level,
                                                     s.durability, ui_config(s.ui_dir)));
  d.process.spawn(daemon_argv(s), d.log);
  wait_for(d.process, d.port, "/readyz", d.log);
  d.admin_key = read_trimmed(s.home / "admin-key");
}

void restart_daemon(Daemon& d, const DaemonSettings& s) {
  const auto log = d.log.string() + ".restart";
  d.process.spawn(daemon_argv(s), log);
  wait_for(d.process, d.port, "/readyz", log);
}

std::vector<std::string> launch_argv(std::vector<std::string> argv, const Launch& launch) {
  if (!launch.cpus.empty()) argv.insert(argv.begin(), {"/usr/bin/taskset", "-c", launch.cpus});
  if (!launch.env.empty()) {
    argv.insert(argv.begin(), launch.env.begin(), launch.env.end());
    argv.insert(argv.begin(), "/usr/bin/env");
  }
  return argv;
}

void start_bare(ChildProcess& p, int& port, const std::filesystem::path& binary, const std::filesystem::path& log,
                const std::vector<std::string>& extra, const Launch& launch) {
  port = free_port();
  std::vector<std::string> argv{std::filesystem::absolute(binary).string(), "--port", std::to_string(port)};
  argv.insert(argv.end(), extra.begin(), extra.end());
  p.spawn(launch_argv(std::move(argv), launch), log);
  wait_for(p, port, "/healthz", log);
}

}  // namespace callrouter::sim
