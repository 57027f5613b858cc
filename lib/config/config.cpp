#include "config/config.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

namespace callrouter {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

// Config parsing stops at the first problem and reports it with its dotted key.
struct ConfigError {
  std::string message;
};

[[noreturn]] void fail(std::string_view key, std::string_view what) {
  throw ConfigError{fmt::format("config key '{}': {}", key, what)};
}

object as_object(element e, std::string_view key) {
  object o;
  if (e.get(o) != simdjson::SUCCESS) fail(key, "must be an object");
  return o;
}

std::string as_string(element e, std::string_view key) {
  std::string_view s;
  if (e.get(s) != simdjson::SUCCESS) fail(key, "must be a string");
  return std::string(s);
}

std::int64_t as_int(element e, std::string_view key, std::int64_t lo, std::int64_t hi) {
  std::int64_t n;
  if (e.get(n) != simdjson::SUCCESS) fail(key, "must be an integer");
  if (n < lo || n > hi) fail(key, fmt::format("must be between {} and {}", lo, hi));
  return n;
}

bool as_bool(element e, std::string_view key) {
  bool b;
  if (e.get(b) != simdjson::SUCCESS) fail(key, "must be true or false");
  return b;
}

std::filesystem::path as_path(element e, std::string_view key, const std::filesystem::path& base) {
  std::string s = as_string(e, key);
  if (s.empty()) fail(key, "must not be empty");
  std::filesystem::path p(s);
  return p.is_absolute() ? p : (base / p).lexically_normal();
}

// Walks an object, rejecting keys the handler does not know.
template <class Handler>
void for_each_key(object o, std::string_view prefix, Handler&& handler) {
  for (auto [k, v] : o) {
    std::string key = prefix.empty() ? std::string(k) : fmt::format("{}.{}", prefix, k);
    if (!handler(k, v, key)) fail(key, "unknown key");
  }
}

// "nats://host:port": what libnats connects to. Anything else (another scheme, a path, a user and
// password in the URL, a port out of range) is refused here rather than failing later on a thread.
bool is_nats_url(std::string_view url) {
  constexpr std::string_view scheme = "nats://";
  if (!url.starts_with(scheme)) return false;
  auto rest = url.substr(scheme.size());
  auto colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  auto host = rest.substr(0, colon), port = rest.substr(colon + 1);
  // A name or IPv4 address, or an IPv6 address in brackets ([::1]): the only place for colons.
  const bool bracketed = host.size() > 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) host = host.substr(1, host.size() - 2);
  bool host_ok = std::all_of(host.begin(), host.end(), [bracketed](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' || (bracketed && c == ':');
  });
  if (!host_ok || port.empty() || port.size() > 5) return false;
  if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  auto n = std::stoi(std::string(port));
  return n >= 1 && n <= 65535;
}

void require(bool present, std::string_view key) {
  if (!present) fail(key, "is required");
}

Config parse(std::string_view json, const std::filesystem::path& path) {
  const auto base = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  simdjson::dom::parser parser;
  element root;
  if (auto err = parser.parse(json.data(), json.size()).get(root)) {
    throw ConfigError{fmt::format("config is not valid JSON: {}", simdjson::error_message(err))};
  }
  Config c;
  bool has_address = false, has_port = false, has_public = false, has_data = false,
       has_key = false, has_api = false;

  for_each_key(as_object(root, "(top level)"), "", [&](std::string_view k, element v,
                                                         const std::string& key) {
    if (k == "listen") {
      for_each_key(as_object(v, key), key, [&](std::string_view k2, element v2, const std::string& key2) {
        if (k2 == "address") {
          c.listen_address = as_string(v2, key2);
          has_address = true;
        } else if (k2 == "port") {
          c.listen_port = static_cast<std::uint16_t>(as_int(v2, key2, 0, 65535));
          has_port = true;
        } else {
          return false;
        }
        return true;
      });
    } else if (k == "public_base_url") {
      c.public_base_url = as_string(v, key);
      if (!c.public_base_url.starts_with("http://") && !c.public_base_url.starts_with("https://")) {
        fail(key, "must start with http:// or https://");
      }
      while (c.public_base_url.ends_with('/')) c.public_base_url.pop_back();
      has_public = true;
    } else if (k == "data_dir") {
      c.data_dir = as_path(v, key, base);
      has_data = true;
    } else if (k == "auth") {
      for_each_key(as_object(v, key), key, [&](std::string_view k2, element v2, const std::string& key2) {
        if (k2 != "system_key_file") return false;
        c.system_key_file = as_path(v2, key2, base);
        has_key = true;
        return true;
      });
    } else if (k == "provider") {
      for_each_key(as_object(v, key), key, [&](std::string_view k2, element v2, const std::string& key2) {
        if (k2 != "api_base_url") return false;
        c.provider_api_base_url = as_string(v2, key2);
        if (!c.provider_api_base_url.starts_with("http://") &&
            !c.provider_api_base_url.starts_with("https://")) {
          fail(key2, "must start with http:// or https://");
        }
        has_api = true;
        return true;
      });
    } else if (k == "log") {
      for_each_key(as_object(v, key), key, [&](std::string_view k2, element v2, const std::string& key2) {
        if (k2 != "level") return false;
        static const std::set<std::string, std::less<>> levels{"trace", "debug", "info", "warn",
                                                               "error", "critical", "off"};
        c.log_level = as_string(v2, key2);
        if (!levels.contains(c.log_level)) {
          fail(key2, "must be one of trace, debug, info, warn, error, critical, off");
        }
        return true;
      });
    } else if (k == "http") {
      for_each_key(as_object(v, key), key, [&](std::string_view k2, element v2, const std::string& key2) {
        if (k2 == "max_header_bytes") {
          c.http.max_header_bytes = static_cast<std::size_t>(as_int(v2, key2, 1024, 1 << 20));
        } else if (k2 == "max_body_bytes") {
          c.http.max_body_bytes = static_cast<std::size_t>(as_int(v2, key2, 1024, 64 << 20));
        } else if (k2 == "read_timeout_ms") {
          c.http.read_timeout = std::chrono::milliseconds(as_int(v2, key2, 100, 3'600'000));
        } else if (k2 == "max_connections") {
          c.http.max_connections = static_cast<std::size_t>(as_int(v2, key2, 1, 1'000'000));
        } else if (k2 == "max_websocket_queue_bytes") {
          c.http.max_websocket_queue_bytes = static_cast<std::size_t>(as_int(v2, key2, 4096, 1 << 30));
        } else {
          return false;
        }
        return true;
      });
    } else if (k == "journal") {
      for_each_key(as_object(v, key), key, [&](std::string_view k2, element v2, const std::string& key2) {
        if (k2 != "durability") return false;
        auto d = as_string(v2, key2);
        if (d == "fsync") {
          c.durability = Durability::fsync;
        } else if (d == "none") {
          c.durability = Durability::none;
        } else {
          fail(key2, "must be \"fsync\" or \"none\"");
        }
        return true;
      });
    } else if (k == "shutdown_timeout_ms") {
      c.shutdown_timeout = std::chrono::milliseconds(as_int(v, key, 100, 600'000));
    } else if (k == "billing") {
      for_each_key(as_object(v, key), key, [&](std::string_view k2, element v2, const std::string& key2) {
        if (k2 != "rates_file") return false;
        c.rates_file = as_path(v2, key2, base);
        return true;
      });
    } else if (k == "workflows") {
      auto& w = c.workflows;
      for_each_key(as_object(v, key), key, [&](std::string_view k2, element v2, const std::string& key2) {
        if (k2 == "allow_private_networks") {
          w.allow_private_networks = as_bool(v2, key2);
        } else if (k2 == "timeout_ms") {
          w.timeout = std::chrono::milliseconds(as_int(v2, key2, 10, 120'000));
        } else if (k2 == "retry_first_delay_ms") {
          w.retry_first_delay = std::chrono::milliseconds(as_int(v2, key2, 1, 3'600'000));
        } else if (k2 == "retry_max_delay_ms") {
          w.retry_max_delay = std::chrono::milliseconds(as_int(v2, key2, 1, 86'400'000));
        } else if (k2 == "retry_max_age_s") {
          w.retry_max_age = std::chrono::seconds(as_int(v2, key2, 1, 30LL * 86'400));
        } else if (k2 == "endpoint_concurrency") {
          w.endpoint_concurrency = static_cast<int>(as_int(v2, key2, 1, 1'000));
        } else if (k2 == "endpoint_rate_per_s") {
          w.endpoint_rate_per_s = static_cast<int>(as_int(v2, key2, 1, 100'000));
        } else {
          return false;
        }
        return true;
      });
    } else if (k == "history") {
      for_each_key(as_object(v, key), key, [&](std::string_view k2, element v2, const std::string& key2) {
        if (k2 != "retention_days") return false;
        c.history_retention_days = static_cast<int>(as_int(v2, key2, 0, 36'500));
        return true;
      });
    } else if (k == "calls") {
      for_each_key(as_object(v, key), key, [&](std::string_view k2, element v2, const std::string& key2) {
        if (k2 == "check_after_s") {
          c.calls_check_after = std::chrono::seconds(as_int(v2, key2, 1, 7 * 86'400));
        } else if (k2 == "expire_after_s") {
          c.calls_expire_after = std::chrono::seconds(as_int(v2, key2, 1, 30 * 86'400));
        } else {
          return false;
        }
        return true;
      });
    } else if (k == "events") {
      for_each_key(as_object(v, key), key, [&](std::string_view k2, element v2, const std::string& key2) {
        if (k2 != "nats_url") return false;
        c.events_nats_url = as_string(v2, key2);
        if (!is_nats_url(c.events_nats_url)) fail(key2, "must be a nats://host:port URL");
        return true;
      });
    } else if (k == "ui") {
      for_each_key(as_object(v, key), key, [&](std::string_view k2, element v2, const std::string& key2) {
        if (k2 != "dir") return false;
        c.ui_dir = as_path(v2, key2, base);
        return true;
      });
    } else if (k == "seed") {
      for_each_key(as_object(v, key), key, [&](std::string_view k2, element v2, const std::string& key2) {
        if (k2 == "file") {
          c.seed_file = as_path(v2, key2, base);
        } else if (k2 == "admin_key_file") {
          c.seed_admin_key_file = as_path(v2, key2, base);
        } else {
          return false;
        }
        return true;
      });
    } else {
      return false;
    }
    return true;
  });

  require(has_address, "listen.address");
  require(has_port, "listen.port");
  require(has_public, "public_base_url");
  require(has_data, "data_dir");
  require(has_key, "auth.system_key_file");
  require(has_api, "provider.api_base_url");
  if (c.calls_expire_after <= c.calls_check_after) {
    throw ConfigError{"config key 'calls.expire_after_s': must be more than calls.check_after_s"};
  }
  return c;
}

}  // namespace

Expected<Config> parse_config(std::string_view json, const std::filesystem::path& path) {
  try {
    return parse(json, path);
  } catch (const ConfigError& e) {
    return unexpected(e.message);
  }
}

Expected<Config> load_config(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected(fmt::format("cannot read config file '{}'", path.string()));
  std::stringstream ss;
  ss << in.rdbuf();
  auto text = ss.str();
  text.reserve(text.size() + simdjson::SIMDJSON_PADDING);
  return parse_config(text, path);
}

}  // namespace callrouter
