// /v1/flows and /v1/numbers: drafts, validation, publishing (atomic swap, versions kept),
// diff, enable/disable, delete, and which flow a number runs. Admin keys only.
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include "api/body_fields.hpp"
#include "api/setting_bodies.hpp"
#include "app/api_support.hpp"
#include "app/app.hpp"
#include "common/identifiers.hpp"
#include "common/json_writer.hpp"
#include "flow/flow_diff.hpp"
#include "provider/twilio/say_voices.hpp"
#include "store/config_records.hpp"

namespace callrouter::app {

using server::HttpRequest;
using server::HttpResponse;
using server::json_error;
using server::Reply;

namespace {

void write_flow(JsonWriter& w, const engine::FlowEntry& f, const engine::Directory& dir) {
  w.begin_object().field("id", f.id).field("name", f.name).field("description", f.description).field("enabled", f.enabled);
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
  w.key("versions").begin_array();
  for (const auto& [n, v] : f.versions) {
    w.begin_object().field("version", static_cast<std::int64_t>(n)).field("published_at", v->published_at).end_object();
  }
  w.end_array();
  w.key("numbers").begin_array();
  dir.for_each_number(f.org_id, [&](const engine::NumberEntry& n) {
    if (n.flow_id == f.id) w.value(n.number);
  });
  w.end_array().end_object();
}

}  // namespace

flow::FlowReferences App::references(std::string_view org_id) const {
  std::string org(org_id);
  return flow::FlowReferences{
      [this, org](std::string_view id) { return directory_.user(org, id) != nullptr; },
      [this, org](std::string_view id) { return directory_.group(org, id) != nullptr; },
      [this, org](std::string_view n) {
        const auto* number = directory_.number(n);
        return number != nullptr && number->org_id == org;
      },
      {"+86"},
      twilio::say_voice_problem};
}

const engine::FlowEntry* App::visible_flow(std::string_view org_id, std::string_view id) const {
  const auto* f = directory_.flow(org_id, id);
  return f == nullptr || f->deleted ? nullptr : f;
}

void App::store_flow(engine::FlowEntry updated, const engine::FlowEntry* before, Reply reply,
                     std::function<HttpResponse(const engine::FlowEntry&)> answer) {
  // Visible at once (the swap is atomic on the loop thread: a call either started on the old
  // version or the new one); put back if the journal refuses the write.
  std::optional<engine::FlowEntry> previous;
  if (before != nullptr) previous = *before;
  auto op = store::put_flow(updated);
  directory_.put_flow(updated);
  commit_.submit({std::move(op)}, [this, updated = std::move(updated), previous = std::move(previous),
                                    reply = std::move(reply), answer = std::move(answer)](bool durable) {
    if (!durable) {
      if (previous) directory_.put_flow(*previous);
      if (!previous) directory_.erase_flow(updated.org_id, updated.id);
      return reply(json_error(503, "journal_unavailable", "the flow could not be stored; retry"));
    }
    reply(answer(updated));
  });
}

void App::list_flows(const Principal& who, Reply reply) {
  JsonWriter w;
  w.begin_object().key("flows").begin_array();
  directory_.for_each_flow(who.org_id, [&](const engine::FlowEntry& f) {
    if (!f.deleted) write_flow(w, f, directory_);
  });
  w.end_array().end_object();
  reply(json_answer(200, w.take()));
}

void App::create_flow(HttpRequest&& request, const Principal& who, Reply reply) {
  auto body = api::parse_fields(request.body, {"id", "name", "description"}, flow::kMaxTextBytes);
  if (!body) return reply(json_error(400, "invalid_request", body.error()));
  std::string id(body->get("id"));
  if (!body->has("id")) {
    // The first free "flow-N": short, and readable in numbers' and calls' flow_id.
    std::uint64_t flows = 0;
    directory_.for_each_flow(who.org_id, [&](const engine::FlowEntry&) { ++flows; });
    for (std::uint64_t n = flows + 1;; ++n) {
      id = fmt::format("flow-{}", n);
      if (directory_.flow(who.org_id, id) == nullptr) break;
    }
  }
  if (!is_valid_id(id)) return reply(json_error(400, "invalid_request", "field 'id': flow ids match [a-z0-9_-]{1,64}"));
  // A deleted flow keeps its id (its versions still run calls and come back at restart), so the
  // id is not given out again.
  if (directory_.flow(who.org_id, id) != nullptr) return reply(json_error(409, "conflict", fmt::format("flow '{}' exists or existed", id)));
  engine::FlowEntry created;
  created.id = id;
  created.org_id = who.org_id;
  created.name = std::string(body->get("name"));
  created.description = std::string(body->get("description"));
  created.enabled = true;
  // The empty draft a designer starts from: it saves, but publishing asks for states.
  JsonWriter draft;
  draft.begin_object().field("name", created.name).field("description", created.description);
  draft.key("states").begin_array().end_array().end_object();
  created.draft_json = draft.take();
  store_flow(std::move(created), nullptr, std::move(reply), [this](const engine::FlowEntry& f) {
    JsonWriter w;
    write_flow(w, f, directory_);
    return json_answer(201, w.take());
  });
}

void App::get_flow(std::string_view id, const Principal& who, Reply reply) {
  const auto* f = visible_flow(who.org_id, id);
  if (f == nullptr) return reply(json_error(404, "not_found", "no such flow"));
  JsonWriter w;
  write_flow(w, *f, directory_);
  reply(json_answer(200, w.take()));
}

void App::save_draft(std::string_view id, HttpRequest&& request, const Principal& who, Reply reply) {
  if (!is_valid_id(id)) return reply(json_error(400, "invalid_request", "flow ids match [a-z0-9_-]{1,64}"));
  auto compiled = flow::compile_flow_checked(request.body, references(who.org_id));
  if (!compiled) return reply(json_error(422, "invalid_flow", compiled.error()));
  const auto* before = directory_.flow(who.org_id, id);
  engine::FlowEntry updated;
  if (before != nullptr && !before->deleted) {
    updated = *before;
  } else {
    updated.id = std::string(id);
    updated.org_id = who.org_id;
    updated.enabled = true;
    if (before != nullptr) updated.versions = before->versions;  // calls on a deleted flow's versions may still run
  }
  updated.deleted = false;
  // Stored minified: the same text the diff and the publish compile see.
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(request.body).get(root)) return reply(json_error(400, "invalid_request", "body is not JSON"));
  updated.draft_json = simdjson::minify(root);
  updated.name = compiled->flow.name;
  updated.description = compiled->flow.description;
  auto warnings = std::move(compiled->warnings);
  const bool created = before == nullptr || before->deleted;
  store_flow(std::move(updated), before, std::move(reply), [warnings, created](const engine::FlowEntry& f) {
    JsonWriter w;
    w.begin_object().field("id", f.id).field("saved", true).key("warnings").begin_array();
    for (const auto& x : warnings) w.value(x);
    w.end_array().end_object();
    return json_answer(created ? 201 : 200, w.take());
  });
}

void App::publish_flow(std::string_view id, const Principal& who, Reply reply) {
  const auto* before = visible_flow(who.org_id, id);
  if (before == nullptr) return reply(json_error(404, "not_found", "no such flow"));
  if (before->draft_json.empty()) return reply(json_error(409, "conflict", "the flow has no draft to publish"));
  // Publishing is strict: warnings (unreachable states) are errors, references are checked now.
  auto checked = flow::compile_flow(before->draft_json, references(who.org_id));
  if (!checked) return reply(json_error(422, "invalid_flow", checked.error()));
  auto updated = *before;
  const std::uint32_t number = updated.versions.empty() ? 1 : updated.versions.rbegin()->first + 1;
  auto published = store::published_version(number, format_rfc3339(clock_()), before->draft_json);
  if (!published) return reply(json_error(422, "invalid_flow", published.error()));
  updated.versions[number] = *published;
  updated.published = *published;
  store_flow(std::move(updated), before, std::move(reply), [](const engine::FlowEntry& f) {
    JsonWriter w;
    w.begin_object()
        .field("id", f.id)
        .field("version", static_cast<std::int64_t>(f.published->version))
        .field("published_at", f.published->published_at)
        .end_object();
    spdlog::info("flow '{}' of org '{}' published as version {}", f.id, f.org_id, f.published->version);
    return json_answer(200, w.take());
  });
}

void App::diff_flow(std::string_view id, const Principal& who, Reply reply) {
  const auto* f = visible_flow(who.org_id, id);
  if (f == nullptr) return reply(json_error(404, "not_found", "no such flow"));
  auto diff = flow::diff_flows(f->published ? std::string_view(f->published->definition_json) : std::string_view(),
                               f->draft_json, {"published", "draft"});
  if (!diff) return reply(json_error(500, "diff_failed", diff.error()));
  reply(json_answer(200, std::move(*diff)));
}

void App::set_flow_enabled(std::string_view id, bool enabled, const Principal& who, Reply reply) {
  const auto* before = visible_flow(who.org_id, id);
  if (before == nullptr) return reply(json_error(404, "not_found", "no such flow"));
  auto updated = *before;
  updated.enabled = enabled;
  store_flow(std::move(updated), before, std::move(reply), [this](const engine::FlowEntry& f) {
    JsonWriter w;
    write_flow(w, f, directory_);
    return json_answer(200, w.take());
  });
}

void App::delete_flow(std::string_view id, const Principal& who, Reply reply) {
  const auto* before = visible_flow(who.org_id, id);
  if (before == nullptr) return reply(json_error(404, "not_found", "no such flow"));
  // Numbers must be moved first: deleting a flow never silently turns a live number into
  // one that rejects every call.
  std::string numbers;
  directory_.for_each_number(who.org_id, [&](const engine::NumberEntry& n) {
    if (n.flow_id == before->id) numbers += (numbers.empty() ? "" : ", ") + n.number;
  });
  if (!numbers.empty()) {
    return reply(json_error(409, "flow_in_use", fmt::format("numbers {} run this flow; point them elsewhere first", numbers)));
  }
  auto updated = *before;
  updated.deleted = true;
  updated.enabled = false;
  updated.draft_json.clear();
  store_flow(std::move(updated), before, std::move(reply), [](const engine::FlowEntry& f) {
    JsonWriter w;
    w.begin_object().field("id", f.id).field("deleted", true).end_object();
    return json_answer(200, w.take());
  });
}

void App::set_number_flow(std::string_view segment, HttpRequest&& request, const Principal& who, Reply reply) {
  auto e164 = path_number(segment);
  const auto* number = directory_.number(e164);
  if (number == nullptr || number->org_id != who.org_id) return reply(json_error(404, "not_found", "no such number"));
  auto read = api::read_number_flow_body(request.body);
  if (!read) return reply(json_error(400, "invalid_request", read.error()));
  const std::string flow_id = std::move(*read);
  if (!flow_id.empty() && visible_flow(who.org_id, flow_id) == nullptr) {
    return reply(json_error(422, "invalid_request", "field 'flow_id': no such flow"));
  }
  auto before = *number;
  auto updated = before;
  updated.flow_id = flow_id;
  directory_.put_number(updated);
  commit_.submit({store::put_number(updated)}, [this, before, updated, reply = std::move(reply)](bool durable) {
    if (!durable) {
      directory_.put_number(before);
      return reply(json_error(503, "journal_unavailable", "the number could not be updated; retry"));
    }
    JsonWriter w;
    w.begin_object().field("number", updated.number).field("flow_id", updated.flow_id).end_object();
    reply(json_answer(200, w.take()));
  });
}

}  // namespace callrouter::app
