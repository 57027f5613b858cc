#include "ops/sd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace callrouter::ops {

namespace {

std::optional<std::string> env_value(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

// Fills addr for "/path" or "@abstract"; returns the address length, 0 when unusable.
socklen_t make_address(const std::string& path, sockaddr_un& addr) {
  std::memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (path.size() < 2 || (path[0] != '/' && path[0] != '@')) return 0;
  if (path[0] == '@') {
    // Abstract names are not NUL-terminated; their length is part of the address.
    if (path.size() > sizeof addr.sun_path) return 0;
    std::memcpy(addr.sun_path + 1, path.data() + 1, path.size() - 1);
    return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
  }
  if (path.size() >= sizeof addr.sun_path) return 0;  // room for the terminating NUL
  std::memcpy(addr.sun_path, path.data(), path.size());
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
}

}  // namespace

std::optional<std::chrono::microseconds> parse_watchdog_usec(std::string_view text) {
  // from_chars on an unsigned type takes digits only: no sign, no spaces, no suffix.
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v == 0) return std::nullopt;
  if (v > static_cast<std::uint64_t>(std::chrono::microseconds::max().count())) return std::nullopt;
  return std::chrono::microseconds(static_cast<std::chrono::microseconds::rep>(v));
}

SdNotifier SdNotifier::from_environment() {
  SdNotifyEnv env{env_value("NOTIFY_SOCKET"), env_value("WATCHDOG_USEC"),
                  env_value("WATCHDOG_PID")};
  return from_values(env, ::getpid());
}

SdNotifier SdNotifier::from_values(const SdNotifyEnv& env, pid_t self) {
  SdNotifier n;
  if (!env.notify_socket || env.notify_socket->empty()) return n;
  n.enabled_ = true;
  n.socket_path_ = *env.notify_socket;
  if (env.watchdog_usec) {
    bool for_us = true;
    if (env.watchdog_pid) {
      // systemd sets WATCHDOG_PID so a forked child that inherited the environment stays quiet.
      long long pid = 0;
      const std::string& p = *env.watchdog_pid;
      auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), pid);
      for_us = ec == std::errc() && end == p.data() + p.size() && pid > 0 && pid == self;
    }
    if (for_us) n.watchdog_ = parse_watchdog_usec(*env.watchdog_usec);
  }
  return n;
}

SdNotifier::~SdNotifier() {
  if (fd_ >= 0) ::close(fd_);
}

SdNotifier::SdNotifier(SdNotifier&& other) noexcept
    : enabled_(other.enabled_),
      socket_path_(std::move(other.socket_path_)),
      watchdog_(other.watchdog_),
      fd_(std::exchange(other.fd_, -1)) {
  other.enabled_ = false;
  other.watchdog_.reset();
}

SdNotifier& SdNotifier::operator=(SdNotifier&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    enabled_ = std::exchange(other.enabled_, false);
    socket_path_ = std::move(other.socket_path_);
    watchdog_ = std::exchange(other.watchdog_, std::nullopt);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

bool SdNotifier::notify(std::string_view message) {
  if (!enabled_) return true;
  sockaddr_un addr;
  socklen_t len = make_address(socket_path_, addr);
  if (len == 0) {
    errno = EINVAL;
    return false;
  }
  if (fd_ < 0) {
    // CLOEXEC: a child we exec must not be able to speak for us.
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return false;
  }
  // Unconnected sendto: if systemd re-creates its socket (daemon-reexec) the next send still works.
  ssize_t sent;
  do {
    sent = ::sendto(fd_, message.data(), message.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                    reinterpret_cast<const sockaddr*>(&addr), len);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) return false;
  if (static_cast<std::size_t>(sent) != message.size()) {
    errno = EMSGSIZE;
    return false;
  }
  return true;
}

}  // namespace callrouter::ops
