#include "workflows/workflow.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include "common/identifiers.hpp"
#include "common/json_writer.hpp"
#include "workflows/webhook_signature.hpp"
#include "workflows/webhook_url.hpp"

namespace callrouter::workflows {
namespace {

struct Invalid {
  std::string message;
};

[[noreturn]] void fail(std::string_view field, std::string_view what) {
  throw Invalid{fmt::format("field '{}': {}", field, what)};
}

std::string text(simdjson::dom::element v, std::string_view field, std::size_t max) {
  std::string_view s;
  if (v.get(s) != simdjson::SUCCESS) fail(field, "must be a string");
  if (s.size() > max) fail(field, fmt::format("longer than {} bytes", max));
  return std::string(s);
}

// "webhook" is the only action type, so "type" may be left out.
void read_action(simdjson::dom::element v, Workflow& wf, const ParseOptions& options) {
  simdjson::dom::object o;
  if (v.get(o) != simdjson::SUCCESS) fail("action", "must be an object {\"type\":\"webhook\", \"url\", \"secret\"?}");
  for (auto [k, value] : o) {
    if (k == "type") {
      if (text(value, "action.type", 32) != "webhook") fail("action.type", "must be \"webhook\"");
    } else if (k == "url") {
      auto url = text(value, "action.url", kMaxUrlBytes);
      if (options.source != Source::stored) {
        if (auto ok = check_webhook_url(url, options.allow_private_networks); !ok) fail("action.url", ok.error());
      }
      wf.action.url = std::move(url);
    } else if (k == "secret") {
      auto secret = text(value, "action.secret", 128);
      if (!decode_secret(secret)) {
        fail("action.secret", "must be \"whsec_\" followed by the base64 of 24 to 64 random bytes");
      }
      wf.action.secret = std::move(secret);
    } else {
      fail(fmt::format("action.{}", k.size() > 40 ? std::string_view("…") : k), "unknown field");
    }
  }
}

Parsed parse(std::string_view json, Workflow wf, const ParseOptions& options) {
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  if (parser.parse(json.data(), json.size()).get(o) != simdjson::SUCCESS) throw Invalid{"body must be a JSON object"};
  Parsed out;
  bool has_trigger = false;
  const bool stored = options.source == Source::stored;
  for (auto [k, v] : o) {
    if (k == "id") {
      if (options.source == Source::update) fail("id", "cannot be changed");
      wf.id = text(v, "id", 64);
      if (!is_valid_id(wf.id)) fail("id", "must match [a-z0-9_-]{1,64}");
    } else if (k == "name") {
      wf.name = text(v, "name", 200);
    } else if (k == "enabled") {
      bool b;
      if (v.get(b) != simdjson::SUCCESS) fail("enabled", "must be true or false");
      // An admin enabling a rule the daemon disabled (410) clears the reason.
      if (b && !stored) wf.disabled_reason.clear();
      wf.enabled = b;
    } else if (k == "trigger") {
      auto name = text(v, "trigger", 64);
      auto t = parse_trigger(name);
      if (!t) {
        fail("trigger", "must be one of incoming_call_ring, incoming_call_start, incoming_call_end, outgoing_call_ring, "
                        "outgoing_call_start, outgoing_call_end, missed_call, voicemail_received");
      }
      wf.trigger = *t;
      has_trigger = true;
    } else if (k == "conditions") {
      auto c = parse_conditions(v);
      if (!c) throw Invalid{c.error()};
      wf.conditions = std::move(*c);
    } else if (k == "action") {
      read_action(v, wf, options);
    } else if (k == "delay_s") {
      std::int64_t n;
      if (v.get(n) != simdjson::SUCCESS || n < 0 || n > kMaxDelayS) fail("delay_s", fmt::format("must be an integer 0..{}", kMaxDelayS));
      wf.delay_s = n;
    } else if (stored && k == "org_id") {
      wf.org_id = text(v, "org_id", 64);
    } else if (stored && k == "disabled_reason") {
      wf.disabled_reason = v.is_null() ? std::string() : text(v, "disabled_reason", 500);
    } else if (stored && (k == "created_at" || k == "updated_at")) {
      auto at = parse_rfc3339(text(v, k, 64));
      if (!at) fail(k, "must be an RFC 3339 time");
      (k == "created_at" ? wf.created_at : wf.updated_at) = *at;
    } else {
      fail(k.size() > 40 ? std::string_view("…") : k, "unknown field");
    }
  }
  if (options.source != Source::update) {
    if (wf.id.empty()) fail("id", "is required");
    if (!has_trigger) fail("trigger", "is required");
    if (wf.action.url.empty()) fail("action.url", "is required");
  }
  if (wf.action.secret.empty()) {
    if (stored) fail("action.secret", "is missing from the stored rule");
    wf.action.secret = generate_secret();
    out.secret_generated = true;
  }
  if (wf.name.empty()) wf.name = wf.id;
  out.workflow = std::move(wf);
  return out;
}

void write_fields(JsonWriter& w, const Workflow& wf, bool with_secret) {
  w.field("id", wf.id).field("name", wf.name).field("enabled", wf.enabled).field("trigger", trigger_name(wf.trigger));
  w.key("conditions");
  write_conditions(w, wf.conditions);
  w.key("action").begin_object().field("type", "webhook").field("url", wf.action.url);
  if (with_secret) w.field("secret", wf.action.secret);
  w.end_object();
  w.field("delay_s", wf.delay_s);
  if (!wf.disabled_reason.empty()) w.field("disabled_reason", wf.disabled_reason);
}

}  // namespace

Expected<Parsed> parse_workflow(std::string_view json, Workflow base, const ParseOptions& options) {
  try {
    return parse(json, std::move(base), options);
  } catch (const Invalid& e) {
    return unexpected(e.message);
  }
}

void write_workflow(JsonWriter& w, const Workflow& wf) {
  w.begin_object();
  write_fields(w, wf, false);
  w.field("created_at", format_rfc3339(wf.created_at)).field("updated_at", format_rfc3339(wf.updated_at));
  w.end_object();
}

std::string stored_json(const Workflow& wf) {
  JsonWriter w;
  w.begin_object();
  write_fields(w, wf, true);
  w.field("org_id", wf.org_id)
      .field("created_at", format_rfc3339(wf.created_at))
      .field("updated_at", format_rfc3339(wf.updated_at));
  w.end_object();
  return w.take();
}

}  // namespace callrouter::workflows
