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
#include <cstdlib>
#include <optional>
#include <thread>

#include "app/app.hpp"
#include "app/seed.hpp"
#include "billing/rate_card.hpp"
#include "config/config.hpp"
#include "ops/backup_client.hpp"
#include "ops/metrics.hpp"
#include "ops/sd_notify.hpp"
#include "ops/show_call.hpp"
#include "ops/system_key.hpp"
#include "outbound/http_client.hpp"
#include "server/http_server.hpp"
#include "store/journal.hpp"

namespace asio = boost::asio;
using namespace callrouter;

namespace {

constexpr const char* kUsage = R"(usage: callrouterd --config PATH [--check-config | --show-call ORG/SID | --backup DIR]
       callrouterd --help | --version

  --config PATH     the JSON config (see docs/operations.md); relative paths in it are
                    relative to its folder
  --check-config    validate the config and exit (0 valid, 1 invalid)
  --show-call ORG/SID  print a stored call record as JSON (daemon stopped)
  --backup DIR      write a consistent copy of the journal to DIR (a RocksDB checkpoint);
                    asks the running daemon to do it when it holds the journal
  --help            this text
  --version         print the version
)";

struct Args {
  std::string config_path;
  bool check_config = false;
  std::optional<ops::CallRef> show_call;
  std::string backup_dir;
};

void apply_log_level(const std::string& level) { spdlog::set_level(spdlog::level::from_str(level)); }

// Repeats a timer until `tick` returns false.
void every(asio::steady_timer& timer, std::chrono::milliseconds period, std::function<bool()> tick) {
  timer.expires_after(period);
  timer.async_wait([&timer, period, tick = std::move(tick)](boost::system::error_code ec) mutable {
    if (ec || !tick()) return;
    every(timer, period, std::move(tick));
  });
}

// The rate card named by billing.rates_file (none when unset: billing is off).
Expected<std::shared_ptr<const billing::RateCard>> load_rates(const Config& config) {
  if (config.rates_file.empty()) return std::shared_ptr<const billing::RateCard>{};
  auto card = billing::load_rate_card(config.rates_file);
  if (!card) return unexpected(fmt::format("billing.rates_file {}: {}", config.rates_file.string(), card.error()));
  return std::make_shared<const billing::RateCard>(std::move(*card));
}

int run(const Args& args) {
  auto config = load_config(args.config_path);
  if (!config) {
    std::fprintf(stderr, "callrouterd: %s\n", config.error().c_str());
    return 1;
  }
  if (args.show_call) {
    auto json = ops::stored_call_json(config->data_dir, *args.show_call);
    if (!json) {
      std::fprintf(stderr, "callrouterd: %s\n", json.error().c_str());
      return 1;
    }
    std::printf("%s\n", json->c_str());
    return 0;
  }
  if (!args.backup_dir.empty()) {
    auto written = ops::write_backup(*config, args.backup_dir);
    if (!written) {
      std::fprintf(stderr, "callrouterd: %s\n", written.error().c_str());
      return 1;
    }
    std::printf("backup written to %s%s\n", written->dir.c_str(), written->by_daemon ? " (by the running daemon)" : "");
    return 0;
  }
  auto rates = load_rates(*config);
  if (!rates) {
    std::fprintf(stderr, "callrouterd: %s\n", rates.error().c_str());
    return 1;
  }
  if (args.check_config) {
    std::printf("config OK: %s\n", args.config_path.c_str());
    return 0;
  }
  apply_log_level(config->log_level);
  auto notifier = ops::SdNotifier::from_environment();

  // Declared before the loop: sessions still alive when the loop is destroyed report to it.
  ops::HttpMetrics metrics;
  asio::io_context io(1);
  auto journal = store::Journal::open(config->data_dir, config->durability,
                                      [&io](std::function<void()> fn) { asio::post(io, std::move(fn)); });
  if (!journal) {
    spdlog::critical("{}", journal.error());
    return 1;
  }
  auto& j = **journal;

  if (auto seeded = app::seed_on_first_start(*config, j); !seeded) {
    spdlog::critical("{}", seeded.error());
    return 1;
  }

  // Test hook: CALLROUTER_CLOCK_OFFSET_S shifts the daemon's clock so tests can let months pass
  // (monthly fees across restarts and clock jumps). Never set in production; logged loudly.
  std::chrono::seconds clock_offset{0};
  if (const char* offset = std::getenv("CALLROUTER_CLOCK_OFFSET_S"); offset != nullptr && *offset != '\0') {
    clock_offset = std::chrono::seconds(std::strtoll(offset, nullptr, 10));
    spdlog::warn("CALLROUTER_CLOCK_OFFSET_S={}: the clock is shifted (a test hook; never in production)", offset);
  }
  app::App application(*config, j, metrics, ops::load_system_key(*config),
                       [clock_offset] { return system_now() + clock_offset; });
  application.set_rate_card(*rates);
  server::HttpServer server(
      io, config->http,
      [&application](server::HttpRequest&& req, server::RequestContext& ctx, server::Reply reply) {
        application.handle(std::move(req), ctx, std::move(reply));
      },
      metrics, [&application](const server::HttpRequest& req) { return application.upgrade(req); });
  if (auto listening = server.listen(config->listen_address, config->listen_port); !listening) {
    spdlog::critical("{}", listening.error());
    return 1;
  }
  outbound::HttpClient provider_api(io);
  application.set_outbound(&provider_api, [&io](std::chrono::milliseconds delay, std::function<void()> fn) {
    auto timer = std::make_shared<asio::steady_timer>(io, delay);
    timer->async_wait([timer, fn = std::move(fn)](boost::system::error_code ec) {
      if (!ec) fn();
    });
  });
  server.start();
  auto endpoint = fmt::format("{}:{}", config->listen_address, server.port());
  spdlog::info("callrouterd {} listening on {} (data in {}); loading state", CALLROUTER_VERSION, endpoint,
               config->data_dir.string());
  notifier.notify("STATUS=loading state from the journal");

  // Loading runs beside the loop so /healthz and /readyz (503) answer meanwhile.
  std::thread loader([&] {
    auto started = std::chrono::steady_clock::now();
    auto state = app::load_state(j);
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    asio::post(io, [&, state = std::move(state), took]() mutable {
      if (!state) {
        spdlog::critical("cannot load state: {}", state.error());
        io.stop();
        return;
      }
      auto live = state->live_calls.size();
      application.load(std::move(*state));
      spdlog::info("ready in {} ms: {} calls in progress restored", took.count(), live);
      notifier.notify(fmt::format("READY=1\nSTATUS=serving on {}", endpoint));
    });
  });

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
      auto fresh_rates = fresh ? load_rates(*fresh) : Expected<std::shared_ptr<const billing::RateCard>>(unexpected(fresh.error()));
      if (!fresh_rates) {
        spdlog::error("reload refused, keeping the running config and rate card: {}", fresh_rates.error());
      } else {
        application.set_rate_card(*fresh_rates);
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
    server.stop();
    application.close_agent_streams();
    application.close_media_streams();
    reload_signals.cancel();
    watchdog.cancel();
    deadline = std::chrono::steady_clock::now() + config->shutdown_timeout;
    // In-flight requests finish (their journal commits included); then the loop ends.
    every(drain, std::chrono::milliseconds(5), [&] {
      bool drained = server.open_connections() == 0 && server.open_websockets() == 0;
      if (drained || std::chrono::steady_clock::now() >= deadline) {
        if (!drained) spdlog::warn("shutdown timeout: closing {} connections", server.open_connections());
        io.stop();
        return false;
      }
      return true;
    });
  });

  // A handler's exception from a completion must not take every org down with it.
  for (;;) {
    try {
      io.run();
      break;
    } catch (const std::exception& e) {
      spdlog::error("event loop: {}", e.what());
    }
  }
  loader.join();
  application.stop_event_publisher();
  j.close();
  spdlog::info("stopped");
  return stopping ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  // A full file system or a file-size limit must fail a write (EFBIG), not kill the daemon:
  // the journal then answers 503 and recovers when space returns.
  std::signal(SIGXFSZ, SIG_IGN);
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
    } else if (a == "--backup" && i + 1 < argc) {
      args.backup_dir = argv[++i];
    } else if (a == "--show-call" && i + 1 < argc) {
      args.show_call = ops::parse_call_ref(argv[++i]);
      if (!args.show_call) {
        std::fprintf(stderr, "callrouterd: --show-call takes ORG/SID\n");
        return 2;
      }
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
