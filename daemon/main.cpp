// callrouterd: reads the config, opens the journal, wires the HTTP server to the app, and runs
// the event loop under systemd (notify, watchdog, reload, graceful stop). Nothing else.
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <sys/stat.h>

#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "app/app.hpp"
#include "app/seed.hpp"
#include "auth/api_key.hpp"
#include "billing/rate_card.hpp"
#include "common/json_writer.hpp"
#include "config/config.hpp"
#include "ops/metrics.hpp"
#include "outbound/http_client.hpp"
#include "ops/sd_notify.hpp"
#include "server/http_server.hpp"
#include "store/config_records.hpp"
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
  std::string show_call;  // "ORG/SID"
  std::string backup_dir;
};

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

// Writes a secret readable by its owner only.
bool write_secret(const std::filesystem::path& path, const std::string& text) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  auto old = ::umask(077);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text << "\n";
  ::umask(old);
  return static_cast<bool>(out);
}

// The system key: a systemd credential wins over the configured file. Missing on a first
// development start, one is made (and kept in that file) so `make run` works with no set-up.
std::string load_system_key(const Config& config) {
  if (const char* creds = std::getenv("CREDENTIALS_DIRECTORY")) {
    auto path = std::filesystem::path(creds) / "system-key";
    if (std::filesystem::exists(path)) return trim(read_file(path));
  }
  if (std::filesystem::exists(config.system_key_file)) return trim(read_file(config.system_key_file));
  auto key = auth::random_hex(32);
  if (write_secret(config.system_key_file, key)) {
    spdlog::warn("no system key found: generated one in {}", config.system_key_file.string());
    return key;
  }
  spdlog::error("no system key in {} and it cannot be created: /v1/orgs is unavailable",
                config.system_key_file.string());
  return {};
}

// --backup against a running daemon: it holds the journal's lock, so it makes the checkpoint.
int backup_through_daemon(const Config& config, const std::filesystem::path& dir) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  try {
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(60));
    stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address(config.listen_address), config.listen_port));
    http::request<http::string_body> req{http::verb::post, "/v1/system/backup", 11};
    req.set(http::field::host, config.listen_address);
    req.set(http::field::authorization, "Bearer " + load_system_key(config));
    req.set(http::field::content_type, "application/json");
    JsonWriter body;
    body.begin_object().field("dir", dir.string()).end_object();
    req.body() = body.take();
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    if (res.result_int() != 201) {
      std::fprintf(stderr, "callrouterd: backup refused (%u): %s\n", res.result_int(), res.body().c_str());
      return 1;
    }
    std::printf("backup written to %s (by the running daemon)\n", dir.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "callrouterd: journal is locked and the daemon did not answer: %s\n", e.what());
    return 1;
  }
}

int backup(const Config& config, const std::filesystem::path& dir_arg) {
  auto dir = std::filesystem::absolute(dir_arg);
  if (std::filesystem::exists(dir)) {
    std::fprintf(stderr, "callrouterd: %s already exists\n", dir.c_str());
    return 1;
  }
  auto journal = store::Journal::open(config.data_dir, Durability::fsync, [](std::function<void()> fn) { fn(); });
  if (!journal) {
    if (journal.error().find("lock") != std::string::npos) return backup_through_daemon(config, dir);
    std::fprintf(stderr, "callrouterd: %s\n", journal.error().c_str());
    return 1;
  }
  auto done = (*journal)->checkpoint(dir);
  if (!done) {
    std::fprintf(stderr, "callrouterd: backup failed: %s\n", done.error().c_str());
    return 1;
  }
  std::printf("backup written to %s\n", dir.c_str());
  return 0;
}

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

// On the first start (no org stored yet) applies the seed file, and gives the first seeded org
// an admin key, printed once and kept in seed.admin_key_file.
Expected<Ok> seed_on_first_start(const Config& config, store::Journal& journal) {
  if (config.seed_file.empty()) return Ok{};
  bool has_org = false;
  journal.scan_prefix(store::Cf::config, "", [&](std::string_view, std::string_view) {
    has_org = true;
    return false;
  });
  if (has_org) return Ok{};
  auto now = system_now();
  auto seed = app::seed_records(config.seed_file, now);
  if (!seed) return unexpected(seed.error());
  auto ops = std::move(*seed);
  std::optional<auth::IssuedKey> admin;
  for (const auto& op : ops) {
    if (op.key.ends_with(std::string_view("\0org", 4))) {
      admin = auth::issue_key(op.key.substr(0, op.key.size() - 4), auth::Role::admin, "", now);
      ops.push_back(store::put_key(admin->key));
      break;
    }
  }
  if (auto written = journal.write_now(ops); !written) return unexpected("cannot write seed: " + written.error());
  spdlog::info("first start: seeded configuration from {}", config.seed_file.string());
  if (admin) {
    spdlog::info("admin key for org '{}' (shown once): {}", admin->key.org_id, admin->token);
    if (!config.seed_admin_key_file.empty() && write_secret(config.seed_admin_key_file, admin->token)) {
      spdlog::info("admin key also written to {}", config.seed_admin_key_file.string());
    }
  }
  return Ok{};
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
  if (!args.show_call.empty()) return show_call(*config, args.show_call);
  if (!args.backup_dir.empty()) return backup(*config, args.backup_dir);
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

  if (auto seeded = seed_on_first_start(*config, j); !seeded) {
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
  app::App application(*config, j, metrics, load_system_key(*config),
                       [clock_offset] { return system_now() + clock_offset; });
  application.set_rate_card(*rates);
  server::HttpServer server(
      io, config->http,
      [&application](server::HttpRequest&& req, server::RequestContext& ctx, server::Reply reply) {
        application.handle(std::move(req), ctx, std::move(reply));
      },
      metrics, [&application](const server::HttpRequest& req) { return application.agent_stream(req); });
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
