// callrouterd: reads the config, opens the journal, wires the HTTP server to the app, and runs
// the event loop under systemd (notify, watchdog, reload, graceful stop). Nothing else.
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <iostream>

#include "app/app.hpp"
#include "app/seed.hpp"
#include "config/config.hpp"
#include "ops/metrics.hpp"
#include "ops/sd_notify.hpp"
#include "server/http_server.hpp"
#include "store/config_records.hpp"
#include "store/journal.hpp"

namespace asio = boost::asio;
using namespace callrouter;

namespace {

constexpr const char* kUsage = R"(usage: callrouterd --config PATH [--check-config | --show-call ORG/SID]
       callrouterd --help | --version

  --config PATH     the JSON config (see docs/operations.md); relative paths in it are
                    relative to its folder
  --check-config    validate the config and exit (0 valid, 1 invalid)
  --show-call ORG/SID  print a stored call record as JSON (daemon stopped)
  --help            this text
  --version         print the version
)";

struct Args {
  std::string config_path;
  bool check_config = false;
  std::string show_call;  // "ORG/SID"
};

// Prints one stored call record: for operators and tests, while the daemon is stopped.
int show_call(const Config& config, const std::string& org_and_sid) {
  auto slash = org_and_sid.find('/');
  if (slash == std::string::npos) {
    std::fprintf(stderr, "callrouterd: --show-call takes ORG/SID\n");
    return 2;
  }
  auto journal = store::Journal::open(config.data_dir, Durability::fsync, [](std::function<void()> fn) { fn(); });
  if (!journal) {
    std::fprintf(stderr, "callrouterd: %s\n", journal.error().c_str());
    return 1;
  }
  auto stored = (*journal)->get(store::Cf::calls, store::call_key(org_and_sid.substr(0, slash),
                                                                  org_and_sid.substr(slash + 1)));
  auto payload = stored ? store::decode_value(*stored) : std::nullopt;
  if (!payload) {
    std::fprintf(stderr, "callrouterd: no call %s\n", org_and_sid.c_str());
    return 1;
  }
  std::printf("%.*s\n", static_cast<int>(payload->size()), payload->data());
  return 0;
}

void apply_log_level(const std::string& level) { spdlog::set_level(spdlog::level::from_str(level)); }

// Repeats a timer until `tick` returns false.
void every(asio::steady_timer& timer, std::chrono::milliseconds period, std::function<bool()> tick) {
  timer.expires_after(period);
  timer.async_wait([&timer, period, tick = std::move(tick)](boost::system::error_code ec) mutable {
    if (ec || !tick()) return;
    every(timer, period, std::move(tick));
  });
}

int run(const Args& args) {
  auto config = load_config(args.config_path);
  if (!config) {
    std::fprintf(stderr, "callrouterd: %s\n", config.error().c_str());
    return 1;
  }
  if (!args.show_call.empty()) return show_call(*config, args.show_call);
  if (args.check_config) {
    std::printf("config OK: %s\n", args.config_path.c_str());
    return 0;
  }
  apply_log_level(config->log_level);
  auto notifier = ops::SdNotifier::from_environment();

  asio::io_context io(1);
  auto journal = store::Journal::open(config->data_dir, config->durability,
                                      [&io](std::function<void()> fn) { asio::post(io, std::move(fn)); });
  if (!journal) {
    spdlog::critical("{}", journal.error());
    return 1;
  }
  auto& j = **journal;

  auto directory = store::load_directory(j);
  if (directory && directory->org_count() == 0 && !config->seed_file.empty()) {
    auto seed = app::seed_records(config->seed_file, system_now());
    if (!seed) {
      spdlog::critical("{}", seed.error());
      return 1;
    }
    if (auto written = j.write_now(*seed); !written) {
      spdlog::critical("cannot write seed: {}", written.error());
      return 1;
    }
    spdlog::info("first start: seeded configuration from {}", config->seed_file.string());
    directory = store::load_directory(j);
  }
  if (!directory) {
    spdlog::critical("{}", directory.error());
    return 1;
  }

  ops::HttpMetrics metrics;
  app::App application(*config, j, std::move(*directory), metrics);
  server::HttpServer server(
      io, config->http,
      [&application](server::HttpRequest&& req, server::RequestContext& ctx, server::Reply reply) {
        application.handle(std::move(req), ctx, std::move(reply));
      },
      metrics);
  if (auto listening = server.listen(config->listen_address, config->listen_port); !listening) {
    spdlog::critical("{}", listening.error());
    return 1;
  }
  server.start();
  application.set_ready(true);
  auto endpoint = fmt::format("{}:{}", config->listen_address, server.port());
  spdlog::info("callrouterd {} serving on {} (data in {})", CALLROUTER_VERSION, endpoint,
               config->data_dir.string());
  notifier.notify(fmt::format("READY=1\nSTATUS=serving on {}", endpoint));

  asio::steady_timer watchdog(io);
  if (auto interval = notifier.watchdog_interval()) {
    // Half the interval, from the loop itself: a stalled loop stops the pings and systemd restarts us.
    auto period = std::chrono::duration_cast<std::chrono::milliseconds>(*interval / 2);
    every(watchdog, std::max(period, std::chrono::milliseconds(1)), [&] {
      notifier.notify("WATCHDOG=1");
      return true;
    });
  }

  asio::signal_set reload_signals(io, SIGHUP);
  std::function<void()> wait_reload = [&] {
    reload_signals.async_wait([&](boost::system::error_code ec, int) {
      if (ec) return;
      notifier.notify("RELOADING=1\nSTATUS=reloading configuration");
      auto fresh = load_config(args.config_path);
      if (!fresh) {
        spdlog::error("reload refused, keeping the running config: {}", fresh.error());
      } else {
        // Live: log level, HTTP limits, public_base_url. Listen address, data_dir, journal
        // durability and seed need a restart (docs/operations.md).
        apply_log_level(fresh->log_level);
        server.set_limits(fresh->http);
        application.reload(*fresh);
        spdlog::info("configuration reloaded");
      }
      notifier.notify(fmt::format("READY=1\nSTATUS=serving on {}", endpoint));
      wait_reload();
    });
  };
  wait_reload();

  asio::signal_set stop_signals(io, SIGTERM, SIGINT);
  asio::steady_timer drain(io);
  bool stopping = false;
  auto deadline = std::chrono::steady_clock::time_point::max();
  stop_signals.async_wait([&](boost::system::error_code ec, int signal) {
    if (ec) return;
    stopping = true;
    spdlog::info("signal {}: stopping (finishing {} open connections)", signal, server.open_connections());
    notifier.notify("STOPPING=1\nSTATUS=stopping");
    application.set_ready(false);
    server.stop();
    reload_signals.cancel();
    watchdog.cancel();
    deadline = std::chrono::steady_clock::now() + config->shutdown_timeout;
    // In-flight requests finish (their journal commits included); then the loop ends.
    every(drain, std::chrono::milliseconds(5), [&] {
      bool drained = server.open_connections() == 0;
      if (drained || std::chrono::steady_clock::now() >= deadline) {
        if (!drained) spdlog::warn("shutdown timeout: closing {} connections", server.open_connections());
        io.stop();
        return false;
      }
      return true;
    });
  });

  io.run();
  j.close();
  spdlog::info("stopped");
  return stopping ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_default_logger(spdlog::stderr_logger_st("callrouterd"));
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--version") {
      std::printf("callrouterd %s\n", CALLROUTER_VERSION);
      return 0;
    } else if (a == "--check-config") {
      args.check_config = true;
    } else if (a == "--show-call" && i + 1 < argc) {
      args.show_call = argv[++i];
    } else if (a == "--config" && i + 1 < argc) {
      args.config_path = argv[++i];
    } else {
      std::fprintf(stderr, "callrouterd: unknown argument '%s'\n%s", argv[i], kUsage);
      return 2;
    }
  }
  if (args.config_path.empty()) {
    std::fprintf(stderr, "callrouterd: --config PATH is required\n%s", kUsage);
    return 2;
  }
  try {
    return run(args);
  } catch (const std::exception& e) {
    spdlog::critical("fatal: {}", e.what());
    return 1;
  }
}
