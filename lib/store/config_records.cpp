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

std::string answer_key(std::string_view org_id, std::string_view kind, std::string_view id) {
  return make_key({org_id, kind, id});
}

WriteOp put_org(const engine::Org& org) {
  JsonWriter w;
  w.begin_object()
      .field("id", org.id)
      .field("name", org.name)
      .field("account_sid", org.account_sid)
      .field("auth_token", org.auth_token)
      .field("timezone", org.timezone)
      .field("support_number", org.support_number)
      .end_object();
  return {Cf::config, org_key(org.id), encode_value(w.str())};
}

WriteOp put_number(const engine::NumberEntry& n) {
  JsonWriter w;
  w.begin_object()
      .field("number", n.number)
      .field("org_id", n.org_id)
      .field("country", n.country)
      .field("type", n.type)
      .field("flow_id", n.flow_id)
      .end_object();
  return {Cf::config, number_key(n.org_id, n.number), encode_value(w.str())};
}

WriteOp put_flow(const engine::FlowEntry& f) {
  JsonWriter w;
  w.begin_object().field("id", f.id).field("org_id", f.org_id).field("enabled", f.enabled);
  w.key("draft");
  if (f.draft_json.empty()) {
    w.null();
  } else {
    w.raw(f.draft_json);
  }
  w.key("published");
  if (!f.published) {
    w.null();
  } else {
    w.begin_object()
        .field("version", static_cast<std::int64_t>(f.published->version))
        .field("published_at", f.published->published_at)
        .key("definition")
        .raw(f.published->definition_json)
        .end_object();
  }
  w.end_object();
  return {Cf::config, flow_key(f.org_id, f.id), encode_value(w.str())};
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
  return {Cf::config, make_key({k.org_id, "key", k.id}), encode_value(w.str())};
}

Expected<engine::Directory> load_directory(const Journal& journal) {
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
                      get_string(o, "auth_token"), get_string(o, "timezone"), get_string(o, "support_number")};
      dir.put_org(std::move(org));
    } else if (kind == "number") {
      dir.put_number({get_string(o, "number"), get_string(o, "org_id"), get_string(o, "country"),
                      get_string(o, "type"), get_string(o, "flow_id")});
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
      bool enabled = false;
      if (o["enabled"].get(enabled)) enabled = false;
      f.enabled = enabled;
      simdjson::dom::element draft;
      if (o["draft"].get(draft) == simdjson::SUCCESS && !draft.is_null()) f.draft_json = simdjson::to_string(draft);
      simdjson::dom::object published;
      if (o["published"].get(published) == simdjson::SUCCESS) {
        auto p = std::make_shared<engine::PublishedFlow>();
        std::uint64_t version = 0;
        if (published["version"].get(version)) version = 0;
        p->version = static_cast<std::uint32_t>(version);
        p->published_at = get_string(published, "published_at");
        simdjson::dom::element def;
        if (published["definition"].get(def) != simdjson::SUCCESS) {
          error = fmt::format("flow '{}' of org '{}': published version has no definition", f.id, f.org_id);
          return false;
        }
        p->definition_json = simdjson::to_string(def);
        auto compiled = flow::compile_flow(p->definition_json);
        if (!compiled) {
          error = fmt::format("flow '{}' of org '{}': published version {} no longer compiles: {}", f.id,
                              f.org_id, p->version, compiled.error());
          return false;
        }
        p->compiled = std::make_shared<const flow::CompiledFlow>(std::move(*compiled));
        f.published = std::move(p);
      }
      dir.put_flow(std::move(f));
    }
    return true;
  });
  if (!error.empty()) return unexpected(error);
  return dir;
}

}  // namespace callrouter::store
