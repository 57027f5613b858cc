#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "config/config.hpp"

using namespace callrouter;

namespace {

const char* kMinimal = R"({
  "listen": {"address": "127.0.0.1", "port": 8080},
  "public_base_url": "https://calls.example.com/",
  "data_dir": "../var/data",
  "auth": {"system_key_file": "/etc/callrouter/system-key"},
  "provider": {"api_base_url": "https://api.twilio.com"}
})";

std::string with(std::string_view extra) {
  std::string s(kMinimal);
  s.insert(s.rfind('}'), std::string(",") + std::string(extra));
  return s;
}

}  // namespace

TEST_CASE("a minimal config parses with defaults and resolved paths") {
  auto c = parse_config(kMinimal, "/opt/cr/config/callrouter.json");
  REQUIRE(c);
  CHECK(c->listen_port == 8080);
  CHECK(c->public_base_url == "https://calls.example.com");  // trailing slash dropped
  CHECK(c->data_dir == "/opt/cr/var/data");                  // relative to the config's folder
  CHECK(c->system_key_file == "/etc/callrouter/system-key");  // absolute kept
  CHECK(c->durability == Durability::fsync);
  CHECK(c->http.max_body_bytes == 64 * 1024);
  CHECK(c->log_level == "info");
}

TEST_CASE("optional sections parse") {
  auto c = parse_config(with(R"("log": {"level": "debug"}, "journal": {"durability": "none"},
      "http": {"max_header_bytes": 4096, "max_body_bytes": 2048, "read_timeout_ms": 500, "max_connections": 7},
      "shutdown_timeout_ms": 2000, "seed": {"file": "demo-seed.json"})"),
                        "/x/callrouter.json");
  REQUIRE(c);
  CHECK(c->log_level == "debug");
  CHECK(c->durability == Durability::none);
  CHECK(c->http.max_header_bytes == 4096);
  CHECK(c->http.read_timeout == std::chrono::milliseconds(500));
  CHECK(c->http.max_connections == 7);
  CHECK(c->seed_file == "/x/demo-seed.json");
}

TEST_CASE("errors name the offending key") {
  struct Case {
    std::string json;
    std::string key;
  };
  std::vector<Case> cases{
      {with(R"("colour": "blue")"), "'colour': unknown key"},
      {with(R"("listen2": 1)"), "'listen2'"},
      {with(R"("log": {"level": "loud"})"), "'log.level'"},
      {with(R"("log": {"lvl": "info"})"), "'log.lvl': unknown key"},
      {with(R"("journal": {"durability": "sometimes"})"), "'journal.durability'"},
      {with(R"("http": {"max_body_bytes": -1})"), "'http.max_body_bytes'"},
      {with(R"("http": {"max_body_bytes": "big"})"), "'http.max_body_bytes': must be an integer"},
      {with(R"("shutdown_timeout_ms": 1.5)"), "'shutdown_timeout_ms'"},
      {R"({"listen": {"address": "127.0.0.1", "port": 70000}})", "'listen.port'"},
      {R"({"listen": {"address": "127.0.0.1", "port": 1}})", "'public_base_url': is required"},
      {R"({"listen": {"address": "127.0.0.1", "port": 1}, "public_base_url": "ftp://x"})", "'public_base_url'"},
  };
  for (const auto& c : cases) {
    auto parsed = parse_config(c.json, "/x/c.json");
    INFO(c.json);
    REQUIRE_FALSE(parsed);
    CHECK_THAT(parsed.error(), Catch::Contains(c.key));
  }
}

TEST_CASE("garbage is an error, not a crash") {
  for (std::string_view s : {"", "{", "[]", "null", "{\"listen\": []}", "\xff\xfe", "{\"a\":1,}"}) {
    auto parsed = parse_config(s, "/x/c.json");
    CHECK_FALSE(parsed);
  }
}

TEST_CASE("the shipped default config is valid") {
  auto c = load_config(CALLROUTER_SOURCE_DIR "/config/callrouter.json");
  INFO((c ? std::string() : c.error()));
  REQUIRE(c);
  CHECK(c->listen_address == "127.0.0.1");
  CHECK(c->listen_port == 8080);
  CHECK(c->seed_file.filename() == "demo-seed.json");
}

TEST_CASE("workflows settings parse, default safely and name bad keys") {
  auto defaults = parse_config(kMinimal, "/etc/callrouter/callrouter.json");
  REQUIRE(defaults);
  CHECK_FALSE(defaults->workflows.allow_private_networks);
  CHECK(defaults->workflows.retry_max_age == std::chrono::hours(72));
  auto c = parse_config(with(R"("workflows": {"allow_private_networks": true, "timeout_ms": 1500,
      "retry_first_delay_ms": 200, "retry_max_delay_ms": 800, "retry_max_age_s": 4,
      "endpoint_concurrency": 2, "endpoint_rate_per_s": 10})"), "/etc/callrouter/callrouter.json");
  REQUIRE(c);
  CHECK(c->workflows.allow_private_networks);
  CHECK(c->workflows.timeout == std::chrono::milliseconds(1500));
  CHECK(c->workflows.retry_first_delay == std::chrono::milliseconds(200));
  CHECK(c->workflows.retry_max_delay == std::chrono::milliseconds(800));
  CHECK(c->workflows.retry_max_age == std::chrono::seconds(4));
  CHECK(c->workflows.endpoint_concurrency == 2);
  CHECK(c->workflows.endpoint_rate_per_s == 10);
  auto bad = parse_config(with(R"("workflows": {"allow_private_networks": "yes"})"), "/x.json");
  REQUIRE_FALSE(bad);
  CHECK(bad.error() == "config key 'workflows.allow_private_networks': must be true or false");
  bad = parse_config(with(R"("workflows": {"retries": 3})"), "/x.json");
  REQUIRE_FALSE(bad);
  CHECK(bad.error() == "config key 'workflows.retries': unknown key");
  bad = parse_config(with(R"("workflows": {"endpoint_concurrency": 0})"), "/x.json");
  REQUIRE_FALSE(bad);
  CHECK(bad.error() == "config key 'workflows.endpoint_concurrency': must be between 1 and 1000");
}

TEST_CASE("ui.dir resolves against the config's folder; unknown ui keys are refused") {
  auto c = parse_config(with(R"("ui": {"dir": "../ui/dist"})"), "/opt/cr/config/callrouter.json");
  REQUIRE(c);
  CHECK(c->ui_dir == "/opt/cr/ui/dist");
  CHECK(parse_config(kMinimal, "/x/c.json")->ui_dir.empty());
  auto bad = parse_config(with(R"("ui": {"folder": "x"})"), "/x/c.json");
  REQUIRE(!bad);
  CHECK(bad.error().find("'ui.folder': unknown key") != std::string::npos);
}

TEST_CASE("events.nats_url takes nats://host:port and refuses anything else, naming the key") {
  auto none = parse_config(kMinimal, "/x/callrouter.json");
  REQUIRE(none);
  CHECK(none->events_nats_url.empty());  // default: no NATS
  for (const char* good : {"nats://127.0.0.1:4222", "nats://nats.internal:4222", "nats://[::1]:4222"}) {
    auto c = parse_config(with(fmt::format(R"("events": {{"nats_url": "{}"}})", good)), "/x/callrouter.json");
    REQUIRE(c);
    CHECK(c->events_nats_url == good);
  }
  for (const char* bad : {"", "127.0.0.1:4222", "http://127.0.0.1:4222", "nats://127.0.0.1", "nats://:4222",
                          "nats://host:0", "nats://host:65536", "nats://host:42x2", "nats://u:p@host:4222",
                          "nats://host:4222/path", "nats://a:b:4222", "nats://[]:4222", "nats://[::1:4222"}) {
    auto c = parse_config(with(fmt::format(R"("events": {{"nats_url": "{}"}})", bad)), "/x/callrouter.json");
    REQUIRE_FALSE(c);
    CHECK_THAT(c.error(), Catch::Contains("'events.nats_url': must be a nats://host:port URL"));
  }
  auto unknown = parse_config(with(R"("events": {"nats": "nats://h:1"})"), "/x/callrouter.json");
  REQUIRE_FALSE(unknown);
  CHECK_THAT(unknown.error(), Catch::Contains("'events.nats': unknown key"));
  auto not_string = parse_config(with(R"("events": {"nats_url": 4222})"), "/x/callrouter.json");
  REQUIRE_FALSE(not_string);
  CHECK_THAT(not_string.error(), Catch::Contains("'events.nats_url': must be a string"));
}
