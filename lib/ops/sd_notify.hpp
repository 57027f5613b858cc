// Tells systemd about the daemon's state (READY, STATUS, RELOADING, STOPPING, WATCHDOG pings)
// over $NOTIFY_SOCKET with the plain datagram protocol, so the service needs no libsystemd.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace callrouter::ops {

// The three variables systemd hands a notify service; nullopt means "unset".
struct SdNotifyEnv {
  std::optional<std::string> notify_socket;  // NOTIFY_SOCKET: "/path" or "@abstract"
  std::optional<std::string> watchdog_usec;  // WATCHDOG_USEC: timeout in microseconds
  std::optional<std::string> watchdog_pid;   // WATCHDOG_PID: the process the watchdog is for
};

class SdNotifier {
 public:
  // A disabled notifier; every call is a no-op.
  SdNotifier() = default;
  ~SdNotifier();
  SdNotifier(SdNotifier&& other) noexcept;
  SdNotifier& operator=(SdNotifier&& other) noexcept;
  SdNotifier(const SdNotifier&) = delete;
  SdNotifier& operator=(const SdNotifier&) = delete;

  static SdNotifier from_environment();
  // Same as from_environment() but from explicit values, so tests need not touch the environment.
  static SdNotifier from_values(const SdNotifyEnv& env, pid_t self);

  // False when NOTIFY_SOCKET is unset or empty: notify() then does nothing and returns true.
  bool enabled() const { return enabled_; }

  // Sends one datagram, e.g. "READY=1\nSTATUS=serving on 127.0.0.1:8080". Never blocks: if
  // systemd's queue is full the message is dropped. On false, errno says why (EINVAL when
  // NOTIFY_SOCKET is not an absolute path or @name, or is too long).
  bool notify(std::string_view message);

  // WATCHDOG_USEC when notification is enabled, the value is a positive integer and WATCHDOG_PID
  // is unset or names this process. Send "WATCHDOG=1" at about half of this interval.
  std::optional<std::chrono::microseconds> watchdog_interval() const { return watchdog_; }

  // The socket address as given, for log lines.
  const std::string& socket_path() const { return socket_path_; }

 private:
  bool enabled_ = false;
  std::string socket_path_;
  std::optional<std::chrono::microseconds> watchdog_;
  int fd_ = -1;  // opened on first notify() so a notifier that never sends holds no descriptor
};

// Parses WATCHDOG_USEC: decimal digits only, > 0, no overflow. Exposed for tests.
std::optional<std::chrono::microseconds> parse_watchdog_usec(std::string_view text);

}  // namespace callrouter::ops
