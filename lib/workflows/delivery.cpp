#include "workflows/delivery.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <charconv>

#include "common/json_writer.hpp"

namespace callrouter::workflows {

std::string_view status_name(DeliveryStatus s) {
  switch (s) {
    case DeliveryStatus::pending: return "pending";
    case DeliveryStatus::delivered: return "delivered";
    case DeliveryStatus::failed: return "failed";
    case DeliveryStatus::dead: return "dead";
  }
  return "pending";
}

std::string delivery_id(std::string_view org_id, std::uint64_t event_seq, std::string_view workflow_id) {
  return fmt::format("msg_{}_{}_{}", org_id, event_seq, workflow_id);
}

std::string delivery_id(const Delivery& d) { return delivery_id(d.org_id, d.event_seq, d.workflow_id); }

std::optional<DeliveryRef> parse_delivery_id(std::string_view org_id, std::string_view id) {
  // Org and workflow ids may contain '_', but the org is known and the seq is digits only.
  const auto prefix = fmt::format("msg_{}_", org_id);
  if (!id.starts_with(prefix)) return std::nullopt;
  id.remove_prefix(prefix.size());
  DeliveryRef ref{};
  auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), ref.event_seq);
  if (ec != std::errc() || end == id.data() || end == id.data() + id.size() || *end != '_') return std::nullopt;
  ref.workflow_id = std::string(end + 1, id.data() + id.size());
  if (ref.workflow_id.empty()) return std::nullopt;
  return ref;
}

std::string webhook_body(const events::Event& e, Trigger trigger, std::string_view workflow_id) {
  JsonWriter w;
  w.begin_object()
      .field("type", e.type)
      .field("timestamp", format_rfc3339(e.at))
      .key("data")
      .raw(e.data.empty() ? std::string_view("{}") : std::string_view(e.data))
      .field("trigger", trigger_name(trigger))
      .field("workflow_id", workflow_id)
      .field("event_id", events::event_id(e))
      .field("event_seq", e.seq)
      .end_object();
  return w.take();
}

namespace {

void optional_time(JsonWriter& w, std::string_view key, const std::optional<Timestamp>& t) {
  w.key(key);
  if (t) {
    w.value(format_rfc3339(*t));
  } else {
    w.null();
  }
}

void write_fields(JsonWriter& w, const Delivery& d) {
  w.field("id", delivery_id(d))
      .field("workflow_id", d.workflow_id)
      .field("event_seq", d.event_seq)
      .field("event_type", d.event_type)
      .field("call_sid", d.call_sid)
      .field("trigger", trigger_name(d.trigger))
      .field("status", status_name(d.status))
      .field("attempts", d.attempts)
      .field("created_at", format_rfc3339(d.created_at));
  optional_time(w, "next_attempt_at", d.final() ? std::nullopt : std::optional<Timestamp>(d.next_attempt_at));
  optional_time(w, "last_attempt_at", d.last_attempt_at);
  w.key("last_status");
  if (d.last_status != 0) {
    w.value(d.last_status);
  } else {
    w.null();
  }
  w.key("last_error");
  if (!d.last_error.empty()) {
    w.value(d.last_error);
  } else {
    w.null();
  }
}

}  // namespace

void write_delivery(JsonWriter& w, const Delivery& d) {
  w.begin_object();
  write_fields(w, d);
  w.end_object();
}

std::string stored_json(const Delivery& d) {
  JsonWriter w;
  w.begin_object();
  write_fields(w, d);
  w.field("org_id", d.org_id)
      .field("due_at", format_rfc3339(d.next_attempt_at))
      .field("window_start", format_rfc3339(d.window_start))
      .field("attempts_before_window", d.attempts_before_window)
      .end_object();
  return w.take();
}

Expected<Delivery> delivery_from_json(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  if (parser.parse(json.data(), json.size()).get(o) != simdjson::SUCCESS) return unexpected(std::string("not a JSON object"));
  Delivery d;
  auto str = [&](std::string_view key) {
    std::string_view s;
    return o[key].get(s) == simdjson::SUCCESS ? std::string(s) : std::string();
  };
  auto time = [&](std::string_view key) { return parse_rfc3339(str(key)); };
  d.org_id = str("org_id");
  d.workflow_id = str("workflow_id");
  d.event_type = str("event_type");
  d.call_sid = str("call_sid");
  d.trigger = parse_trigger(str("trigger")).value_or(Trigger::missed_call);
  d.last_error = str("last_error");
  std::uint64_t seq = 0;
  std::int64_t n = 0;
  if (o["event_seq"].get(seq) != simdjson::SUCCESS || d.org_id.empty() || d.workflow_id.empty()) {
    return unexpected(std::string("delivery record lacks org_id, workflow_id or event_seq"));
  }
  d.event_seq = seq;
  if (o["attempts"].get(n) == simdjson::SUCCESS) d.attempts = static_cast<int>(n);
  if (o["last_status"].get(n) == simdjson::SUCCESS) d.last_status = static_cast<int>(n);
  if (o["attempts_before_window"].get(n) == simdjson::SUCCESS) d.attempts_before_window = static_cast<int>(n);
  const auto status = str("status");
  for (auto s : {DeliveryStatus::pending, DeliveryStatus::delivered, DeliveryStatus::failed, DeliveryStatus::dead}) {
    if (status_name(s) == status) d.status = s;
  }
  d.created_at = time("created_at").value_or(Timestamp{});
  d.next_attempt_at = time("due_at").value_or(d.created_at);
  d.window_start = time("window_start").value_or(d.created_at);
  d.last_attempt_at = time("last_attempt_at");
  return d;
}

}  // namespace callrouter::workflows
