// Tests SdNotifier against real datagram sockets (a path in a temp dir and an abstract name),
// asserting the exact bytes systemd would receive.
#include "ops/sd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

using callrouter::ops::parse_watchdog_usec;
using callrouter::ops::SdNotifier;
using callrouter::ops::SdNotifyEnv;

namespace {

// A bound receiving socket standing in for systemd's notify socket.
class FakeSystemd {
 public:
  // path "/..." binds a file; "@..." binds an abstract name.
  explicit FakeSystemd(std::string path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    socklen_t len;
    if (path_[0] == '@') {
      std::memcpy(addr.sun_path + 1, path_.data() + 1, path_.size() - 1);
      len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path_.size());
    } else {
      std::memcpy(addr.sun_path, path_.data(), path_.size());
      len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path_.size() + 1);
    }
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0);
  }
  ~FakeSystemd() {
    ::close(fd_);
    if (path_[0] == '/') ::unlink(path_.c_str());
  }
  // Returns the next datagram, or "<none>" when nothing is queued.
  std::string receive() {
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0) return "<none>";
    return std::string(buf, static_cast<std::size_t>(n));
  }

 private:
  std::string path_;
  int fd_ = -1;
};

std::string temp_dir() {
  char tmpl[] = "/tmp/callrouter-sdnotify-XXXXXX";
  char* d = ::mkdtemp(tmpl);
  REQUIRE(d != nullptr);
  return d;
}

SdNotifyEnv socket_only(std::string path) { return SdNotifyEnv{std::move(path), {}, {}}; }

}  // namespace

TEST_CASE("notify sends each message as one datagram to a filesystem socket, in order") {
  std::string dir = temp_dir();
  std::string path = dir + "/notify";
  {
    FakeSystemd systemd(path);
    SdNotifier n = SdNotifier::from_values(socket_only(path), ::getpid());
    REQUIRE(n.enabled());
    REQUIRE(n.socket_path() == path);

    CHECK(n.notify("READY=1\nSTATUS=serving on 127.0.0.1:8080"));
    CHECK(n.notify("STATUS=draining"));
    CHECK(n.notify("STOPPING=1"));

    CHECK(systemd.receive() == "READY=1\nSTATUS=serving on 127.0.0.1:8080");
    CHECK(systemd.receive() == "STATUS=draining");
    CHECK(systemd.receive() == "STOPPING=1");
    CHECK(systemd.receive() == "<none>");
  }
  ::rmdir(dir.c_str());
}

TEST_CASE("notify reaches an abstract-namespace socket named with @") {
  std::string name = "@callrouter-sdnotify-test-" + std::to_string(::getpid());
  FakeSystemd systemd(name);
  SdNotifier n = SdNotifier::from_values(socket_only(name), ::getpid());
  REQUIRE(n.enabled());
  CHECK(n.notify("READY=1"));
  CHECK(n.notify("WATCHDOG=1"));
  CHECK(systemd.receive() == "READY=1");
  CHECK(systemd.receive() == "WATCHDOG=1");
  CHECK(systemd.receive() == "<none>");
}

TEST_CASE("a moved-to notifier keeps sending; the moved-from one is disabled") {
  std::string name = "@callrouter-sdnotify-move-" + std::to_string(::getpid());
  FakeSystemd systemd(name);
  SdNotifier a = SdNotifier::from_values(socket_only(name), ::getpid());
  CHECK(a.notify("STATUS=a"));
  SdNotifier b = std::move(a);
  CHECK(b.notify("STATUS=b"));
  CHECK_FALSE(a.enabled());  // NOLINT(bugprone-use-after-move): documented moved-from state
  CHECK(a.notify("STATUS=lost"));
  CHECK(systemd.receive() == "STATUS=a");
  CHECK(systemd.receive() == "STATUS=b");
  CHECK(systemd.receive() == "<none>");
}

TEST_CASE("without NOTIFY_SOCKET the notifier is a no-op") {
  SdNotifier unset = SdNotifier::from_values(SdNotifyEnv{}, ::getpid());
  CHECK_FALSE(unset.enabled());
  CHECK(unset.notify("READY=1"));
  CHECK_FALSE(unset.watchdog_interval().has_value());

  SdNotifier empty = SdNotifier::from_values(socket_only(""), ::getpid());
  CHECK_FALSE(empty.enabled());
  CHECK(empty.notify("READY=1"));

  // A watchdog without a socket to ping is no watchdog.
  SdNotifier no_socket = SdNotifier::from_values(SdNotifyEnv{{}, "1000000", {}}, ::getpid());
  CHECK_FALSE(no_socket.watchdog_interval().has_value());

  SdNotifier default_constructed;
  CHECK_FALSE(default_constructed.enabled());
  CHECK(default_constructed.notify("READY=1"));
}

TEST_CASE("an unusable NOTIFY_SOCKET fails with EINVAL instead of sending somewhere else") {
  for (std::string bad : {std::string("relative/path"), std::string("/"), std::string("@"),
                          "/" + std::string(200, 'x'), "@" + std::string(200, 'x')}) {
    SdNotifier n = SdNotifier::from_values(socket_only(bad), ::getpid());
    CHECK(n.enabled());
    errno = 0;
    CHECK_FALSE(n.notify("READY=1"));
    CHECK(errno == EINVAL);
  }
}

TEST_CASE("notify to a socket nobody listens on fails without blocking") {
  std::string dir = temp_dir();
  SdNotifier n = SdNotifier::from_values(socket_only(dir + "/missing"), ::getpid());
  CHECK_FALSE(n.notify("READY=1"));
  CHECK(errno == ENOENT);
  ::rmdir(dir.c_str());
}

TEST_CASE("from_environment reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID") {
  // Restores the variables afterwards so other tests see the process's real environment.
  struct Saved {
    const char* name;
    std::optional<std::string> value;
  };
  Saved saved[] = {{"NOTIFY_SOCKET", {}}, {"WATCHDOG_USEC", {}}, {"WATCHDOG_PID", {}}};
  for (auto& s : saved) {
    if (const char* v = std::getenv(s.name)) s.value = v;
  }

  std::string name = "@callrouter-sdnotify-env-" + std::to_string(::getpid());
  FakeSystemd systemd(name);
  ::setenv("NOTIFY_SOCKET", name.c_str(), 1);
  ::setenv("WATCHDOG_USEC", "10000000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  SdNotifier n = SdNotifier::from_environment();
  CHECK(n.enabled());
  REQUIRE(n.watchdog_interval().has_value());
  CHECK(*n.watchdog_interval() == std::chrono::seconds(10));
  CHECK(n.notify("READY=1"));
  CHECK(systemd.receive() == "READY=1");

  ::unsetenv("NOTIFY_SOCKET");
  CHECK_FALSE(SdNotifier::from_environment().enabled());

  for (auto& s : saved) {
    if (s.value) {
      ::setenv(s.name, s.value->c_str(), 1);
    } else {
      ::unsetenv(s.name);
    }
  }
}

TEST_CASE("the watchdog is honoured only for this process") {
  const pid_t self = 4242;
  auto with = [&](std::optional<std::string> usec, std::optional<std::string> pid) {
    return SdNotifier::from_values(SdNotifyEnv{"@unused", std::move(usec), std::move(pid)}, self)
        .watchdog_interval();
  };
  CHECK(with("5000000", {}) == std::chrono::microseconds(5000000));
  CHECK(with("5000000", "4242") == std::chrono::microseconds(5000000));
  CHECK_FALSE(with("5000000", "4243").has_value());  // meant for another process
  CHECK_FALSE(with("5000000", "").has_value());
  CHECK_FALSE(with("5000000", "42x").has_value());
  CHECK_FALSE(with("5000000", "-4242").has_value());
  CHECK_FALSE(with({}, "4242").has_value());
}

TEST_CASE("bad WATCHDOG_USEC values are rejected") {
  CHECK(parse_watchdog_usec("1") == std::chrono::microseconds(1));
  CHECK(parse_watchdog_usec("30000000") == std::chrono::microseconds(30000000));
  CHECK(parse_watchdog_usec("9223372036854775807") ==
        std::chrono::microseconds(9223372036854775807LL));
  for (const char* bad : {"", "0", "-1", "+5", " 5", "5 ", "5s", "1e6", "0x10", "abc",
                          "9223372036854775808", "18446744073709551616"}) {
    INFO("WATCHDOG_USEC=\"" << bad << "\"");
    CHECK_FALSE(parse_watchdog_usec(bad).has_value());
  }
  CHECK_FALSE(SdNotifier::from_values(SdNotifyEnv{"@unused", "0", {}}, 1).watchdog_interval());
  CHECK_FALSE(SdNotifier::from_values(SdNotifyEnv{"@unused", "ten", {}}, 1).watchdog_interval());
}
