// The daemon's configuration: the JSON file of DESIGN.md §4, parsed and validated with simdjson.
// Unknown keys and bad values are rejected with a message naming the key; relative paths resolve
// against the config file's folder.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "common/expected.hpp"

namespace callrouter {

enum class Durability { fsync, none };

struct HttpLimits {
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 64 * 1024;
  std::chrono::milliseconds read_timeout{15'000};
  std::size_t max_connections = 10'000;
  // What may wait to be sent on one WebSocket; a client that reads slower than that is closed
  // (1008) instead of growing the daemon's memory.
  std::size_t max_websocket_queue_bytes = 1 << 20;
};

// Workflow webhooks (docs/workflows.md): where they may go, how long a try may take, how hard one
// endpoint may be pushed, and the retry schedule. Tests shrink the timings.
struct WorkflowSettings {
  bool allow_private_networks = false;  // let webhooks reach loopback and private addresses
  std::chrono::milliseconds timeout{10'000};
  std::chrono::milliseconds retry_first_delay{5'000};
  std::chrono::milliseconds retry_max_delay{6LL * 3600 * 1000};
  std::chrono::seconds retry_max_age{3LL * 86'400};
  int endpoint_concurrency = 4;
  int endpoint_rate_per_s = 50;
};

struct Config {
  std::string listen_address = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  std::string public_base_url;  // what the provider signs against; no trailing slash
  std::filesystem::path data_dir;
  std::filesystem::path system_key_file;
  std::string provider_api_base_url = "https://api.twilio.com";
  std::string log_level = "info";
  HttpLimits http;
  Durability durability = Durability::fsync;
  std::chrono::milliseconds shutdown_timeout{10'000};
  // Applied once, when the data dir holds no organisation yet (the demo org for `make run`).
  std::filesystem::path seed_file;
  // Where a first start writes the demo admin key (empty: only log it).
  std::filesystem::path seed_admin_key_file;
  // The rate card (config/rates.json); empty: no billing — calls are not charged and purchases
  // and outbound calls are refused. Reloaded on SIGHUP.
  std::filesystem::path rates_file;
  WorkflowSettings workflows;
  // Calls that started longer ago than this leave the call log and the journal (0: kept for ever).
  int history_retention_days = 0;
  // A call not ended this long after it started may have lost its terminal callback: the provider
  // is asked for its state (Dial's default timeLimit is 4 h). One older than expire_after is
  // closed whatever the answer (no call lasts longer than the provider's 24 h limit).
  std::chrono::seconds calls_check_after{4 * 3600};
  std::chrono::seconds calls_expire_after{25 * 3600};
  // The committed call events go to NATS JetStream here ("nats://host:port"; empty: they do not;
  // docs/scale-out.md). Needs a restart to change.
  std::string events_nats_url;
  // The built admin console (ui/dist), served at /ui/; empty or missing: /ui/ answers a 404
  // page saying the console is not installed.
  std::filesystem::path ui_dir;
};

// Parses `json` as if it were read from `path` (relative paths resolve against its folder).
Expected<Config> parse_config(std::string_view json, const std::filesystem::path& path);
Expected<Config> load_config(const std::filesystem::path& path);

}  // namespace callrouter
