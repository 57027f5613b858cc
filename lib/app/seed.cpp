#include "app/seed.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include "store/config_records.hpp"

namespace callrouter::app {
namespace {

struct SeedError {
  std::string message;
};

std::string required(simdjson::dom::object o, const char* key, std::string_view where) {
  std::string_view v;
  if (o[key].get(v) != simdjson::SUCCESS || v.empty()) {
    throw SeedError{fmt::format("seed {}: '{}' is required", where, key)};
  }
  return std::string(v);
}

std::string optional(simdjson::dom::object o, const char* key) {
  std::string_view v;
  return o[key].get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
}

store::WriteSet build(const std::filesystem::path& seed_file, Timestamp now) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.load(seed_file.string()).get(root)) {
    throw SeedError{fmt::format("seed file '{}': {}", seed_file.string(), simdjson::error_message(err))};
  }
  simdjson::dom::array orgs;
  if (root["orgs"].get(orgs)) throw SeedError{"seed: 'orgs' must be an array"};
  store::WriteSet ops;
  for (auto org_el : orgs) {
    simdjson::dom::object o;
    if (org_el.get(o)) throw SeedError{"seed: each org must be an object"};
    engine::Org org{required(o, "id", "org"), optional(o, "name"), required(o, "account_sid", "org"),
                    required(o, "auth_token", "org"), optional(o, "timezone"), optional(o, "support_number")};
    ops.push_back(store::put_org(org));

    simdjson::dom::array numbers;
    if (o["numbers"].get(numbers) == simdjson::SUCCESS) {
      for (auto n_el : numbers) {
        simdjson::dom::object n;
        if (n_el.get(n)) throw SeedError{"seed: each number must be an object"};
        ops.push_back(store::put_number({required(n, "number", "number"), org.id, optional(n, "country"),
                                         optional(n, "type"), optional(n, "flow_id")}));
      }
    }
    simdjson::dom::array flows;
    if (o["flows"].get(flows) == simdjson::SUCCESS) {
      for (auto f_el : flows) {
        simdjson::dom::object f;
        if (f_el.get(f)) throw SeedError{"seed: each flow must be an object"};
        engine::FlowEntry flow;
        flow.id = required(f, "id", "flow");
        flow.org_id = org.id;
        bool enabled = false;
        if (f["enabled"].get(enabled)) enabled = false;
        flow.enabled = enabled;
        simdjson::dom::element def;
        if (f["definition"].get(def)) throw SeedError{fmt::format("seed flow '{}': 'definition' is required", flow.id)};
        auto json = simdjson::to_string(def);
        auto compiled = flow::compile_flow(json);
        if (!compiled) throw SeedError{fmt::format("seed flow '{}': {}", flow.id, compiled.error())};
        auto published = std::make_shared<engine::PublishedFlow>();
        published->version = 1;
        published->published_at = format_rfc3339(now);
        published->definition_json = json;
        flow.draft_json = json;
        flow.published = std::move(published);
        ops.push_back(store::put_flow(flow));
      }
    }
  }
  return ops;
}

}  // namespace

Expected<store::WriteSet> seed_records(const std::filesystem::path& seed_file, Timestamp now) {
  try {
    return build(seed_file, now);
  } catch (const SeedError& e) {
    return unexpected(e.message);
  }
}

}  // namespace callrouter::app
