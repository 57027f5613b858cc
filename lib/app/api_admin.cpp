// The /v1 routes of this release: organisations, API keys, reading calls, and backups.
// The org always comes from the key; other orgs' objects answer exactly like missing ones.
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "api/body_fields.hpp"
#include "app/api_support.hpp"
#include "app/app.hpp"
#include "common/identifiers.hpp"
#include "common/json_writer.hpp"
#include "history/local_time.hpp"
#include "store/call_records.hpp"
#include "store/config_records.hpp"

namespace callrouter::app {

using api::parse_fields;

using server::HttpRequest;
using server::HttpResponse;
using server::json_error;
using server::Reply;

namespace {

bool all_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string org_json(const engine::Org& org) {
  JsonWriter w;
  w.begin_object()
      .field("id", org.id)
      .field("name", org.name)
      .field("account_sid", org.account_sid)
      .field("timezone", org.timezone)
      .field("support_number", org.support_number)
      // Whether a shared key is set; like the auth token, the key itself is never shown.
      .field("webhook_shared_key_set", !org.webhook_shared_key.empty())
      .end_object();
  return w.take();
}

// A shared key is a secret like the auth token: long enough not to be guessed, short enough to
// fit a header-sized field.
std::optional<std::string> shared_key_error(std::string_view key) {
  if (key.size() < 16 || key.size() > 256) return "field 'webhook_shared_key': must be 16 to 256 characters";
  return std::nullopt;
}

void key_fields(JsonWriter& w, const auth::ApiKey& k) {
  w.field("id", k.id).field("org", k.org_id).field("role", auth::role_name(k.role));
  w.key("user_id");
  if (k.user_id.empty()) {
    w.null();
  } else {
    w.value(k.user_id);
  }
  w.field("created_at", format_rfc3339(k.created_at)).field("revoked", k.revoked);
}

HttpResponse not_found(std::string_view what) { return json_error(404, "not_found", fmt::format("no such {}", what)); }

}  // namespace

void App::create_org(HttpRequest&& request, const Principal&, Reply reply) {
  auto body = parse_fields(request.body, {"id", "name", "account_sid", "auth_token", "timezone", "support_number",
                                          "webhook_shared_key"});
  if (!body) return reply(json_error(400, "invalid_request", body.error()));
  engine::Org org{std::string(body->get("id")), std::string(body->get("name")), std::string(body->get("account_sid")),
                  std::string(body->get("auth_token")), std::string(body->get("timezone")),
                  std::string(body->get("support_number")), std::string(body->get("webhook_shared_key"))};
  if (body->has("webhook_shared_key")) {
    if (auto error = shared_key_error(org.webhook_shared_key)) return reply(json_error(400, "invalid_request", *error));
  }
  if (!is_valid_id(org.id)) return reply(json_error(400, "invalid_request", "field 'id': must match [a-z0-9_-]{1,64}"));
  if (org.account_sid.size() != 34 || !org.account_sid.starts_with("AC") || !all_hex(org.account_sid.substr(2))) {
    return reply(json_error(400, "invalid_request", "field 'account_sid': must be AC followed by 32 hex digits"));
  }
  if (org.auth_token.size() < 16 || org.auth_token.size() > 128) {
    return reply(json_error(400, "invalid_request", "field 'auth_token': must be 16 to 128 characters"));
  }
  if (org.timezone.empty()) return reply(json_error(400, "invalid_request", "field 'timezone': is required"));
  // Business hours, the call log's times and analytics all read the org's day in this zone.
  if (!history::LocalClock::in_zone(org.timezone)) {
    return reply(json_error(400, "invalid_request",
                            fmt::format("field 'timezone': '{}' is not an IANA time zone (e.g. Asia/Tokyo)", org.timezone)));
  }
  if (!org.support_number.empty() && !is_e164(org.support_number)) {
    return reply(json_error(400, "invalid_request", "field 'support_number': must be an E.164 number"));
  }
  // A new org owns no number yet: one on record is another org's, and calls to it are theirs.
  if (const auto* owned = directory_.number(org.support_number); !org.support_number.empty() && owned != nullptr) {
    return reply(json_error(409, "conflict", "field 'support_number': the number belongs to another org"));
  }
  if (org.name.empty()) org.name = org.id;
  if (directory_.org(org.id) != nullptr) return reply(json_error(409, "conflict", "an org with this id exists"));
  if (directory_.org_by_account(org.account_sid) != nullptr) {
    return reply(json_error(409, "conflict", "another org uses this account_sid"));
  }
  // Visible at once so a second request in the same loop turn sees the conflict; undone if the
  // write fails (the journal then refuses everything built on it).
  directory_.put_org(org);
  commit_.submit({store::put_org(org)}, [this, org, reply = std::move(reply)](bool durable) {
    if (!durable) {
      directory_.erase_org(org.id);
      return reply(json_error(503, "journal_unavailable", "the org could not be stored; retry"));
    }
    spdlog::info("org '{}' created", org.id);
    reply(json_answer(201, org_json(org)));
  });
}

void App::update_org(std::string_view id, HttpRequest&& request, Reply reply) {
  const auto* existing = directory_.org(id);
  if (existing == nullptr) return reply(not_found("org"));
  auto body = parse_fields(request.body, {"webhook_shared_key"});
  if (!body) return reply(json_error(400, "invalid_request", body.error()));
  // parse_fields drops nulls; here null means "clear", so look at the field itself.
  simdjson::dom::parser parser;
  simdjson::dom::element given;
  if (parser.parse(request.body.data(), request.body.size())["webhook_shared_key"].get(given)) {
    return reply(json_error(400, "invalid_request", "field 'webhook_shared_key': is required (a string, or null to clear)"));
  }
  auto before = *existing;
  auto updated = before;
  updated.webhook_shared_key = std::string(body->get("webhook_shared_key"));
  if (!given.is_null()) {
    if (auto error = shared_key_error(updated.webhook_shared_key)) return reply(json_error(400, "invalid_request", *error));
  }
  directory_.put_org(updated);
  commit_.submit({store::put_org(updated)}, [this, before, updated, reply = std::move(reply)](bool durable) {
    if (!durable) {
      directory_.put_org(before);
      return reply(json_error(503, "journal_unavailable", "the org could not be stored; retry"));
    }
    spdlog::info("org '{}': webhook shared key {}", updated.id, updated.webhook_shared_key.empty() ? "cleared" : "set");
    reply(json_answer(200, org_json(updated)));
  });
}

void App::create_key(HttpRequest&& request, const Principal& who, Reply reply) {
  if (who.role == auth::Role::agent) return reply(json_error(403, "forbidden", "agent keys cannot issue keys"));
  auto body = parse_fields(request.body, {"org", "role", "user_id"});
  if (!body) return reply(json_error(400, "invalid_request", body.error()));
  std::string org_id;
  if (who.role == auth::Role::system) {
    org_id = std::string(body->get("org"));
    if (org_id.empty()) return reply(json_error(400, "invalid_request", "field 'org': is required with the system key"));
    if (directory_.org(org_id) == nullptr) return reply(not_found("org"));
  } else {
    // Any other org named here gets the same answer whether it exists or not.
    if (body->has("org") && body->get("org") != who.org_id) {
      return reply(json_error(403, "forbidden", "an admin key issues keys for its own org only"));
    }
    org_id = who.org_id;
  }
  auto role = auth::parse_role(body->get("role"));
  if (!role) return reply(json_error(400, "invalid_request", "field 'role': must be \"admin\" or \"agent\""));
  auto user_id = body->get("user_id");
  if (*role == auth::Role::agent && user_id.empty()) {
    return reply(json_error(400, "invalid_request", "field 'user_id': an agent key belongs to a user"));
  }
  if (!user_id.empty() && !is_valid_id(user_id)) {
    return reply(json_error(400, "invalid_request", "field 'user_id': must match [a-z0-9_-]{1,64}"));
  }
  // A key for a user not created yet would come to life, with that user's calls, when someone
  // later creates a user of that id.
  if (!user_id.empty() && directory_.user(org_id, user_id) == nullptr) {
    return reply(json_error(400, "invalid_request", fmt::format("field 'user_id': no telephony user '{}' in this org", user_id)));
  }
  auto issued = auth::issue_key(org_id, *role, user_id, clock_());
  directory_.put_key(issued.key);
  commit_.submit({store::put_key(issued.key)}, [this, issued, reply = std::move(reply)](bool durable) {
    if (!durable) {
      directory_.erase_key(issued.key.id);
      return reply(json_error(503, "journal_unavailable", "the key could not be stored; retry"));
    }
    JsonWriter w;
    w.begin_object();
    key_fields(w, issued.key);
    w.field("key", issued.token).end_object();
    reply(json_answer(201, w.take()));
  });
}

void App::list_keys(const Principal& who, Reply reply) {
  JsonWriter w;
  w.begin_object().key("keys").begin_array();
  directory_.for_each_key(who.org_id, [&](const auth::ApiKey& k) {
    w.begin_object();
    key_fields(w, k);
    w.end_object();
  });
  w.end_array().end_object();
  reply(json_answer(200, w.take()));
}

void App::revoke_key(std::string_view id, const Principal& who, Reply reply) {
  if (who.role == auth::Role::agent) return reply(json_error(403, "forbidden", "agent keys cannot revoke keys"));
  const auto* key = directory_.key(id);
  if (key == nullptr || (who.role != auth::Role::system && key->org_id != who.org_id)) return reply(not_found("key"));
  auto before = *key;
  auto revoked = before;
  revoked.revoked = true;
  directory_.put_key(revoked);
  commit_.submit({store::put_key(revoked)}, [this, before, revoked, reply = std::move(reply)](bool durable) {
    if (!durable) {
      directory_.put_key(before);
      return reply(json_error(503, "journal_unavailable", "the key could not be revoked; retry"));
    }
    // A stream opened with the key must not outlive it; the agent's other keys can reconnect.
    if (revoked.role == auth::Role::agent) agents_.disconnect(revoked.org_id, revoked.user_id);
    JsonWriter w;
    w.begin_object();
    key_fields(w, revoked);
    w.end_object();
    reply(json_answer(200, w.take()));
  });
}

void App::get_call(std::string_view sid, const Principal& who, Reply reply) {
  if (who.role == auth::Role::system) return reply(json_error(403, "forbidden", "use an org key to read calls"));
  auto record = calls_.find(who.org_id, sid);
  // Agents see the calls they took or made; anything else looks like no call at all.
  if (!record || (who.role == auth::Role::agent && record->user_id != who.user_id)) return reply(not_found("call"));
  // Past the retention period a call is gone, even before compaction removes its bytes.
  if (auto cutoff = retention_cutoff(); cutoff && record->terminal() && record->started_at < *cutoff) return reply(not_found("call"));
  const auto events = store::read_call_timeline(journal_, who.org_id, sid);
  const auto& r = *record;
  JsonWriter w;
  w.begin_object();
  engine::write_call_fields(w, r);
  w.key("flow_path").begin_array();
  for (const auto& s : r.flow_path) w.value(s);
  w.end_array();
  w.key("events").begin_array();
  for (const auto& e : events) {
    w.begin_object().field("kind", e.kind).field("seq", e.seq).field("status", e.status).field("at", format_rfc3339(e.at)).end_object();
  }
  w.end_array().end_object();
  reply(json_answer(200, w.take()));
}

void App::backup(HttpRequest&& request, Reply reply) {
  auto body = parse_fields(request.body, {"dir"});
  if (!body) return reply(json_error(400, "invalid_request", body.error()));
  std::filesystem::path dir(body->get("dir"));
  if (dir.empty() || !dir.is_absolute()) {
    return reply(json_error(400, "invalid_request", "field 'dir': must be an absolute path"));
  }
  std::error_code ec;
  if (std::filesystem::exists(dir, ec) || ec) {
    return reply(json_error(409, "conflict", ec ? "field 'dir': " + ec.message() : "field 'dir': already exists"));
  }
  // A checkpoint flushes every memtable first (up to hundreds of MiB): it runs off the loop, which
  // keeps answering meanwhile; the reply comes back to the loop when the copy is complete.
  auto started = journal_.start_checkpoint(dir, [dir, reply](Expected<Ok> done) {
    if (!done) return reply(json_error(500, "backup_failed", done.error()));
    spdlog::info("backup written to {}", dir.string());
    JsonWriter w;
    w.begin_object().field("dir", dir.string()).end_object();
    reply(json_answer(201, w.take()));
  });
  if (!started) return reply(json_error(409, "conflict", "a backup is being written; retry when it is done"));
}

}  // namespace callrouter::app
