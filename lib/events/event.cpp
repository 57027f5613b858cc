#include "events/event.hpp"

#include <fmt/format.h>

#include "common/json_writer.hpp"

namespace callrouter::events {

std::string event_id(const Event& e) { return fmt::format("ev_{}_{}", e.org_id, e.seq); }

std::string to_json(const Event& e) {
  JsonWriter w;
  w.begin_object()
      .field("seq", e.seq)
      .field("id", event_id(e))
      .field("type", e.type)
      .field("at", format_rfc3339(e.at))
      .field("call_sid", e.call_sid)
      .key("data")
      .raw(e.data.empty() ? std::string_view("{}") : std::string_view(e.data))
      .end_object();
  return w.take();
}

}  // namespace callrouter::events
