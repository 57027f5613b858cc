#include "app/seed.hpp"

#include <fmt/format.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "auth/api_key.hpp"
#include "ops/secret_file.hpp"
#include "provider/twilio/say_voices.hpp"
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

struct Seed {
  store::WriteSet ops;
  std::string first_org_id;  // empty when the seed has no org
};

Seed build(const std::filesystem::path& seed_file, Timestamp now) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.load(seed_file.string()).get(root)) {
    throw SeedError{fmt::format("seed file '{}': {}", seed_file.string(), simdjson::error_message(err))};
  }
  simdjson::dom::array orgs;
  if (root["orgs"].get(orgs)) throw SeedError{"seed: 'orgs' must be an array"};
  Seed seed;
  auto& ops = seed.ops;
  for (auto org_el : orgs) {
    simdjson::dom::object o;
    if (org_el.get(o)) throw SeedError{"seed: each org must be an object"};
    engine::Org org{required(o, "id", "org"), optional(o, "name"), required(o, "account_sid", "org"),
                    required(o, "auth_token", "org"), optional(o, "timezone"), optional(o, "support_number")};
    ops.push_back(store::put_org(org));
    if (seed.first_org_id.empty()) seed.first_org_id = org.id;

    simdjson::dom::array numbers;
    if (o["numbers"].get(numbers) == simdjson::SUCCESS) {
      for (auto n_el : numbers) {
        simdjson::dom::object n;
        if (n_el.get(n)) throw SeedError{"seed: each number must be an object"};
        ops.push_back(store::put_number({required(n, "number", "number"), org.id, optional(n, "country"),
                                         optional(n, "type"), optional(n, "flow_id"), {}, {}, 0, false}));
      }
    }
    // Users and groups first: flows are checked against them.
    std::vector<std::string> user_ids, group_ids;
    simdjson::dom::array users;
    if (o["users"].get(users) == simdjson::SUCCESS) {
      for (auto u_el : users) {
        simdjson::dom::object u;
        if (u_el.get(u)) throw SeedError{"seed: each user must be an object"};
        engine::TelephonyUser user;
        user.id = required(u, "id", "user");
        user.org_id = org.id;
        user.name = optional(u, "name");
        user.client = optional(u, "client");
        user.phone = optional(u, "phone");
        bool flag = false;
        user.allow_outgoing = u["allow_outgoing"].get(flag) == simdjson::SUCCESS && flag;
        user.caller_id = optional(u, "caller_id");
        if (auto presence = optional(u, "presence"); !presence.empty()) user.presence = presence;
        user_ids.push_back(user.id);
        ops.push_back(store::put_user(user));
      }
    }
    simdjson::dom::array groups;
    if (o["groups"].get(groups) == simdjson::SUCCESS) {
      for (auto g_el : groups) {
        simdjson::dom::object g;
        if (g_el.get(g)) throw SeedError{"seed: each group must be an object"};
        engine::TelephonyGroup group;
        group.id = required(g, "id", "group");
        group.org_id = org.id;
        group.name = optional(g, "name");
        simdjson::dom::array members;
        if (g["members"].get(members) == simdjson::SUCCESS) {
          for (auto m : members) {
            std::string_view ms;
            if (m.get(ms) == simdjson::SUCCESS) group.members.emplace_back(ms);
          }
        }
        std::int64_t wrap = 0;
        if (g["wrap_up_s"].get(wrap) == simdjson::SUCCESS) group.wrap_up_s = static_cast<int>(wrap);
        group_ids.push_back(group.id);
        ops.push_back(store::put_group(group));
      }
    }
    std::vector<std::string> numbers_owned;
    if (o["numbers"].get(numbers) == simdjson::SUCCESS) {
      for (auto n_el : numbers) {
        simdjson::dom::object n;
        if (n_el.get(n) == simdjson::SUCCESS) numbers_owned.push_back(optional(n, "number"));
      }
    }
    auto contains = [](const std::vector<std::string>& v) {
      return [&v](std::string_view x) { return std::find(v.begin(), v.end(), x) != v.end(); };
    };
    flow::FlowReferences refs{contains(user_ids), contains(group_ids), contains(numbers_owned), {"+86"},
                              twilio::say_voice_problem};

    simdjson::dom::array flows;
    if (o["flows"].get(flows) == simdjson::SUCCESS) {
      for (auto f_el : flows) {
        simdjson::dom::object f;
        if (f_el.get(f)) throw SeedError{"seed: each flow must be an object"};
        engine::FlowEntry flow;
        flow.id = required(f, "id", "flow");
        flow.org_id = org.id;
        bool enabled = false;
        flow.enabled = f["enabled"].get(enabled) == simdjson::SUCCESS && enabled;
        simdjson::dom::element def;
        if (f["definition"].get(def)) throw SeedError{fmt::format("seed flow '{}': 'definition' is required", flow.id)};
        auto json = simdjson::to_string(def);
        auto compiled = flow::compile_flow(json, refs);
        if (!compiled) throw SeedError{fmt::format("seed flow '{}': {}", flow.id, compiled.error())};
        flow.name = compiled->name;
        flow.description = compiled->description;
        auto published = store::published_version(1, format_rfc3339(now), json);
        if (!published) throw SeedError{fmt::format("seed flow '{}': {}", flow.id, published.error())};
        flow.draft_json = json;
        flow.versions[1] = *published;
        flow.published = *published;
        ops.push_back(store::put_flow(flow));
      }
    }
  }
  return seed;
}

Expected<Seed> checked_build(const std::filesystem::path& seed_file, Timestamp now) {
  try {
    return build(seed_file, now);
  } catch (const SeedError& e) {
    return unexpected(e.message);
  }
}

bool holds_configuration(const store::Journal& journal) {
  bool any = false;
  journal.scan_prefix(store::Cf::config, "", [&](std::string_view, std::string_view) {
    any = true;
    return false;
  });
  return any;
}

}  // namespace

Expected<store::WriteSet> seed_records(const std::filesystem::path& seed_file, Timestamp now) {
  auto seed = checked_build(seed_file, now);
  if (!seed) return unexpected(seed.error());
  return std::move(seed->ops);
}

Expected<Ok> seed_on_first_start(const Config& config, store::Journal& journal) {
  if (config.seed_file.empty() || holds_configuration(journal)) return Ok{};
  const auto now = system_now();
  auto seed = checked_build(config.seed_file, now);
  if (!seed) return unexpected(seed.error());
  std::optional<auth::IssuedKey> admin;
  if (!seed->first_org_id.empty()) {
    admin = auth::issue_key(seed->first_org_id, auth::Role::admin, "", now);
    seed->ops.push_back(store::put_key(admin->key));
  }
  if (auto written = journal.write_now(seed->ops); !written) return unexpected("cannot write seed: " + written.error());
  spdlog::info("first start: seeded configuration from {}", config.seed_file.string());
  if (admin) {
    spdlog::info("admin key for org '{}' (shown once): {}", admin->key.org_id, admin->token);
    if (!config.seed_admin_key_file.empty() && ops::write_secret(config.seed_admin_key_file, admin->token)) {
      spdlog::info("admin key also written to {}", config.seed_admin_key_file.string());
    }
  }
  return Ok{};
}

}  // namespace callrouter::app
