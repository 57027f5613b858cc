#include "store/config_records.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include "common/json_writer.hpp"

namespace callrouter::store {
namespace {

std::string printable(std::string_view key) {
  std::string out(key);
  for (auto& c : out) {
    if (c == '\0') c = '/';
  }
  return out;
}

void append_be64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

std::string get_string(simdjson::dom::object o, const char* key) {
  std::string_view v;
  if (o[key].get(v) == simdjson::SUCCESS) return std::string(v);
  return {};
}

}  // namespace

std::string org_key(std::string_view org_id) { return make_key({org_id, "org"}); }
std::string number_key(std::string_view org_id, std::string_view e164) { return make_key({org_id, "number", e164}); }
std::string flow_key(std::string_view org_id, std::string_view flow_id) { return make_key({org_id, "flow", flow_id}); }
std::string user_key(std::string_view org_id, std::string_view user_id) { return make_key({org_id, "user", user_id}); }
std::string group_key(std::string_view org_id, std::string_view group_id) { return make_key({org_id, "group", group_id}); }
std::string api_key_key(std::string_view org_id, std::string_view key_id) { return make_key({org_id, "key", key_id}); }
std::string call_key(std::string_view org_id, std::string_view call_sid) { return make_key({org_id, call_sid}); }

std::string call_time_key(std::string_view org_id, Timestamp started_at, std::string_view call_sid) {
  // Big-endian microseconds sort by time within the org's prefix.
  std::string key(org_id);
  key.push_back('\0');
  append_be64(key, static_cast<std::uint64_t>(started_at.time_since_epoch().count()));
  key.append(call_sid);
  return key;
}

std::string call_event_key(std::string_view org_id, std::string_view call_sid, std::string_view kind,
                           std::int64_t seq) {
  std::string key = make_key({org_id, call_sid, kind, ""});
  append_be64(key, static_cast<std::uint64_t>(seq));
  return key;
}

std::string call_events_prefix(std::string_view org_id, std::string_view call_sid) {
  return make_key({org_id, call_sid, ""});
}

WriteOp put_org(const engine::Org& org) {
  JsonWriter w;
  w.begin_object()
      .field("id", org.id)
      .field("name", org.name)
      .field("account_sid", org.account_sid)
      .field("auth_token", org.auth_token)
      .field("timezone", org.timezone)
      .field("support_number", org.support_number);
  // Written only when set, so an org without one stores exactly what it did before; older
  // records read back with none.
  if (!org.webhook_shared_key.empty()) w.field("webhook_shared_key", org.webhook_shared_key);
  w.end_object();
  return {Cf::config, org_key(org.id), encode_value(w.str())};
}

WriteOp put_number(const engine::NumberEntry& n) {
  JsonWriter w;
  w.begin_object()
      .field("number", n.number)
      .field("org_id", n.org_id)
      .field("country", n.country)
      .field("type", n.type)
      .field("flow_id", n.flow_id);
  if (n.purchased_at) {
    w.field("provider_sid", n.provider_sid)
        .field("purchased_at", format_rfc3339(*n.purchased_at))
        .field("last_fee_index", n.last_fee_index)
        .field("overdue", n.overdue);
  }
  w.end_object();
  return {Cf::config, number_key(n.org_id, n.number), encode_value(w.str())};
}

WriteOp erase_number(const engine::NumberEntry& n) {
  return {Cf::config, number_key(n.org_id, n.number), {}, true};
}

WriteOp put_flow(const engine::FlowEntry& f) {
  JsonWriter w;
  w.begin_object()
      .field("id", f.id)
      .field("org_id", f.org_id)
      .field("name", f.name)
      .field("description", f.description)
      .field("enabled", f.enabled)
      .field("deleted", f.deleted);
  w.key("draft");
  if (f.draft_json.empty()) {
    w.null();
  } else {
    w.raw(f.draft_json);
  }
  w.key("versions").begin_array();
  for (const auto& [number, v] : f.versions) {
    w.begin_object()
        .field("version", static_cast<std::int64_t>(v->version))
        .field("published_at", v->published_at)
        .key("definition")
        .raw(v->definition_json)
        .end_object();
  }
  w.end_array().end_object();
  return {Cf::config, flow_key(f.org_id, f.id), encode_value(w.str())};
}

WriteOp put_user(const engine::TelephonyUser& u) {
  JsonWriter w;
  w.begin_object()
      .field("id", u.id)
      .field("org_id", u.org_id)
      .field("name", u.name)
      .field("client", u.client)
      .field("phone", u.phone);
  w.field("allow_outgoing", u.allow_outgoing)
      .field("record_outgoing", u.record_outgoing)
      .field("caller_id", u.caller_id)
      .field("allow_custom_caller_id", u.allow_custom_caller_id)
      .field("presence", u.presence);
  w.key("custom_caller_ids").begin_object();
  for (const auto& [number, status] : u.custom_caller_ids) w.field(number, status);
  w.end_object().end_object();
  return {Cf::config, user_key(u.org_id, u.id), encode_value(w.str())};
}

WriteOp erase_user(std::string_view org_id, std::string_view user_id) {
  return {Cf::config, user_key(org_id, user_id), {}, true};
}

WriteOp put_group(const engine::TelephonyGroup& g) {
  JsonWriter w;
  w.begin_object().field("id", g.id).field("org_id", g.org_id).field("name", g.name);
  w.key("members").begin_array();
  for (const auto& m : g.members) w.value(m);
  w.end_array();
  w.field("wrap_up_s", static_cast<std::int64_t>(g.wrap_up_s)).end_object();
  return {Cf::config, group_key(g.org_id, g.id), encode_value(w.str())};
}

WriteOp erase_group(std::string_view org_id, std::string_view group_id) {
  return {Cf::config, group_key(org_id, group_id), {}, true};
}

Expected<std::shared_ptr<const engine::PublishedFlow>> published_version(std::uint32_t version, std::string published_at,
                                                                         std::string definition_json) {
  auto compiled = flow::compile_flow_checked(definition_json);
  if (!compiled) return unexpected(compiled.error());
  auto p = std::make_shared<engine::PublishedFlow>();
  p->version = version;
  p->published_at = std::move(published_at);
  p->definition_json = std::move(definition_json);
  p->compiled = std::make_shared<const flow::CompiledFlow>(std::move(compiled->flow));
  return std::shared_ptr<const engine::PublishedFlow>(std::move(p));
}

WriteOp put_key(const auth::ApiKey& k) {
  JsonWriter w;
  w.begin_object()
      .field("id", k.id)
      .field("org_id", k.org_id)
      .field("role", auth::role_name(k.role))
      .field("user_id", k.user_id)
      .field("secret_sha256", k.secret_hash)
      .field("created_at", format_rfc3339(k.created_at))
      .field("revoked", k.revoked)
      .end_object();
  return {Cf::config, api_key_key(k.org_id, k.id), encode_value(w.str())};
}

Expected<engine::Directory> load_directory(const Reader& journal) {
  engine::Directory dir;
  simdjson::dom::parser parser;
  std::string error;
  journal.scan_prefix(Cf::config, "", [&](std::string_view key, std::string_view stored) {
    auto payload = decode_value(stored);
    simdjson::dom::object o;
    if (!payload || parser.parse(payload->data(), payload->size()).get(o)) {
      error = fmt::format("config record '{}' cannot be decoded", printable(key));
      return false;
    }
    auto sep = key.find('\0');
    auto kind = key.substr(sep + 1);
    kind = kind.substr(0, kind.find('\0'));
    if (kind == "org") {
      engine::Org org{get_string(o, "id"), get_string(o, "name"), get_string(o, "account_sid"),
                      get_string(o, "auth_token"), get_string(o, "timezone"), get_string(o, "support_number"),
                      get_string(o, "webhook_shared_key")};
      dir.put_org(std::move(org));
    } else if (kind == "number") {
      engine::NumberEntry n{get_string(o, "number"), get_string(o, "org_id"), get_string(o, "country"),
                            get_string(o, "type"), get_string(o, "flow_id"), {}, {}, 0, false};
      if (auto at = parse_rfc3339(get_string(o, "purchased_at"))) {
        n.purchased_at = *at;
        n.provider_sid = get_string(o, "provider_sid");
        std::int64_t index = 0;
        bool overdue = false;
        if (o["last_fee_index"].get(index)) index = 0;
        if (o["overdue"].get(overdue)) overdue = false;
        n.last_fee_index = index;
        n.overdue = overdue;
      }
      dir.put_number(std::move(n));
    } else if (kind == "key") {
      auth::ApiKey k;
      k.id = get_string(o, "id");
      k.org_id = get_string(o, "org_id");
      auto role = auth::parse_role(get_string(o, "role"));
      if (!role) {
        error = fmt::format("config record '{}': unknown role", printable(key));
        return false;
      }
      k.role = *role;
      k.user_id = get_string(o, "user_id");
      k.secret_hash = get_string(o, "secret_sha256");
      k.created_at = parse_rfc3339(get_string(o, "created_at")).value_or(Timestamp{});
      bool revoked = false;
      if (o["revoked"].get(revoked)) revoked = false;
      k.revoked = revoked;
      dir.put_key(std::move(k));
    } else if (kind == "flow") {
      engine::FlowEntry f;
      f.id = get_string(o, "id");
      f.org_id = get_string(o, "org_id");
      f.name = get_string(o, "name");
      f.description = get_string(o, "description");
      bool flag = false;
      f.enabled = o["enabled"].get(flag) == simdjson::SUCCESS && flag;
      f.deleted = o["deleted"].get(flag) == simdjson::SUCCESS && flag;
      simdjson::dom::element draft;
      if (o["draft"].get(draft) == simdjson::SUCCESS && !draft.is_null()) f.draft_json = simdjson::to_string(draft);
      simdjson::dom::array versions;
      if (o["versions"].get(versions) == simdjson::SUCCESS) {
        for (auto v_el : versions) {
          simdjson::dom::object v;
          simdjson::dom::element def;
          std::uint64_t number = 0;
          if (v_el.get(v) || v["version"].get(number) || v["definition"].get(def)) {
            error = fmt::format("flow '{}' of org '{}': a published version cannot be decoded", f.id, f.org_id);
            return false;
          }
          auto p = published_version(static_cast<std::uint32_t>(number), get_string(v, "published_at"),
                                     simdjson::to_string(def));
          if (!p) {
            error = fmt::format("flow '{}' of org '{}': published version {} no longer compiles: {}", f.id, f.org_id,
                                number, p.error());
            return false;
          }
          f.versions[static_cast<std::uint32_t>(number)] = *p;
        }
      }
      if (!f.versions.empty()) f.published = f.versions.rbegin()->second;
      dir.put_flow(std::move(f));
    } else if (kind == "user") {
      engine::TelephonyUser u;
      u.id = get_string(o, "id");
      u.org_id = get_string(o, "org_id");
      u.name = get_string(o, "name");
      u.client = get_string(o, "client");
      u.phone = get_string(o, "phone");
      bool flag = false;
      u.allow_outgoing = o["allow_outgoing"].get(flag) == simdjson::SUCCESS && flag;
      u.record_outgoing = o["record_outgoing"].get(flag) == simdjson::SUCCESS && flag;
      u.caller_id = get_string(o, "caller_id");
      u.allow_custom_caller_id = o["allow_custom_caller_id"].get(flag) == simdjson::SUCCESS && flag;
      if (auto p = get_string(o, "presence"); !p.empty()) u.presence = p;
      simdjson::dom::object ids;
      if (o["custom_caller_ids"].get(ids) == simdjson::SUCCESS) {
        for (auto [number, status] : ids) {
          std::string_view s;
          if (status.get(s) == simdjson::SUCCESS) u.custom_caller_ids.emplace(std::string(number), std::string(s));
        }
      }
      dir.put_user(std::move(u));
    } else if (kind == "group") {
      engine::TelephonyGroup g;
      g.id = get_string(o, "id");
      g.org_id = get_string(o, "org_id");
      g.name = get_string(o, "name");
      simdjson::dom::array members;
      if (o["members"].get(members) == simdjson::SUCCESS) {
        for (auto m : members) {
          std::string_view ms;
          if (m.get(ms) == simdjson::SUCCESS) g.members.emplace_back(ms);
        }
      }
      std::int64_t wrap = 0;
      if (o["wrap_up_s"].get(wrap) == simdjson::SUCCESS) g.wrap_up_s = static_cast<int>(wrap);
      dir.put_group(std::move(g));
    }
    return true;
  });
  if (!error.empty()) return unexpected(error);
  return dir;
}

}  // namespace callrouter::store
