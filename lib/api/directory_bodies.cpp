#include "api/directory_bodies.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>

#include "common/identifiers.hpp"

namespace callrouter::api {
namespace {

bool valid_client(std::string_view c) {
  if (c.empty() || c.size() > 64) return false;
  return std::all_of(c.begin(), c.end(), [](char x) { return std::isalnum(static_cast<unsigned char>(x)) || x == '_' || x == '-' || x == '.'; });
}

// One field's value, read with the message the 400 gives when it is the wrong type or too long.
struct Field {
  std::string_view key;
  simdjson::dom::element value;

  // null reads as "" (clears an optional text field).
  Expected<std::string> text(std::size_t max) const {
    std::string_view s;
    if (value.is_null()) return std::string();
    if (value.get(s)) return unexpected(fmt::format("field '{}': must be a string", key));
    if (s.size() > max) return unexpected(fmt::format("field '{}': longer than {} bytes", key, max));
    return std::string(s);
  }
  Expected<bool> flag() const {
    bool b;
    if (value.get(b)) return unexpected(fmt::format("field '{}': must be true or false", key));
    return b;
  }
  Expected<std::vector<std::string>> ids(std::string_view what) const {
    const auto wrong = fmt::format("field '{}': must be a list of {} ids", key, what);
    simdjson::dom::array a;
    if (value.get(a)) return unexpected(wrong);
    std::vector<std::string> out;
    for (auto e : a) {
      std::string_view s;
      if (e.get(s)) return unexpected(wrong);
      out.emplace_back(s);
    }
    return out;
  }
};

Expected<simdjson::dom::object> object_of(simdjson::dom::parser& parser, std::string_view body) {
  simdjson::dom::object o;
  if (parser.parse(body.data(), body.size()).get(o)) return unexpected(std::string("body must be a JSON object"));
  return o;
}

// Sets `to` from a field read, or gives its error.
template <class T, class V>
std::optional<std::string> assign(V& to, Expected<T> read) {
  if (!read) return read.error();
  to = std::move(*read);
  return std::nullopt;
}

std::optional<std::string> read_user_field(const Field& f, engine::TelephonyUser& u, UserBody& out, bool creating) {
  const auto k = f.key;
  if (k == "id") {
    if (!creating) return "field 'id': cannot be changed";
    return assign(u.id, f.text(64));
  }
  if (k == "name") return assign(u.name, f.text(200));
  if (k == "client") {
    if (auto e = assign(u.client, f.text(64))) return e;
    if (!u.client.empty() && !valid_client(u.client)) return "field 'client': letters, digits, _ - . only";
    return std::nullopt;
  }
  if (k == "phone") {
    if (auto e = assign(u.phone, f.text(16))) return e;
    if (!u.phone.empty() && !is_e164(u.phone)) return "field 'phone': must be an E.164 number";
    return std::nullopt;
  }
  if (k == "caller_id") {
    if (auto e = assign(u.caller_id, f.text(16))) return e;
    if (!u.caller_id.empty() && !is_e164(u.caller_id)) return "field 'caller_id': must be an E.164 number";
    return std::nullopt;
  }
  if (k == "allow_outgoing") return assign(u.allow_outgoing, f.flag());
  if (k == "record_outgoing") return assign(u.record_outgoing, f.flag());
  if (k == "allow_custom_caller_id") return assign(u.allow_custom_caller_id, f.flag());
  if (k == "groups") {
    auto groups = f.ids("group");
    if (!groups) return groups.error();
    out.groups = std::move(*groups);
    return std::nullopt;
  }
  if (k == "presence") return "field 'presence': set it with PUT /v1/users/{id}/presence";
  return fmt::format("field '{}': unknown field", k);
}

}  // namespace

Expected<UserBody> read_user_body(std::string_view body, engine::TelephonyUser& user, bool creating) {
  simdjson::dom::parser parser;
  auto o = object_of(parser, body);
  if (!o) return unexpected(o.error());
  UserBody out;
  for (auto [k, v] : *o) {
    if (auto error = read_user_field(Field{k, v}, user, out, creating)) return unexpected(std::move(*error));
  }
  return out;
}

Expected<Ok> read_group_body(std::string_view body, engine::TelephonyGroup& group, bool creating) {
  simdjson::dom::parser parser;
  auto o = object_of(parser, body);
  if (!o) return unexpected(o.error());
  for (auto [k, v] : *o) {
    const Field f{k, v};
    std::optional<std::string> error;
    if (k == "id") {
      error = creating ? assign(group.id, f.text(64)) : std::optional<std::string>("field 'id': cannot be changed");
    } else if (k == "name") {
      error = assign(group.name, f.text(200));
    } else if (k == "wrap_up_s") {
      std::int64_t n;
      if (v.get(n) || n < 0 || n > 3600) {
        error = "field 'wrap_up_s': must be 0..3600";
      } else {
        group.wrap_up_s = static_cast<int>(n);
      }
    } else if (k == "members") {
      auto members = f.ids("user");
      if (!members) return unexpected(members.error());
      for (auto it = members->begin(); it != members->end(); ++it) {
        if (std::find(members->begin(), it, *it) != it) {
          return unexpected(fmt::format("field 'members': '{}' listed twice", *it));
        }
      }
      group.members = std::move(*members);
    } else {
      error = fmt::format("field '{}': unknown field", k);
    }
    if (error) return unexpected(std::move(*error));
  }
  return Ok{};
}

Expected<OutboundCallBody> read_outbound_call_body(std::string_view body) {
  static const std::string kShape = "body must be {\"to\": \"+E164\", \"caller_id\"?: \"+E164\"}";
  simdjson::dom::parser parser;
  auto o = object_of(parser, body);
  if (!o) return unexpected(kShape);
  OutboundCallBody out;
  bool has_to = false;
  for (auto [k, v] : *o) {
    const Field f{k, v};
    std::optional<std::string> error;
    if (k == "to") {
      std::string_view s;
      if (v.get(s) || s.size() > 64) return unexpected(kShape);
      out.to = std::string(s);
      has_to = true;
    } else if (k == "caller_id") {
      error = assign(out.caller_id, f.text(16));
    } else {
      error = fmt::format("field '{}': unknown field", k);
    }
    if (error) return unexpected(std::move(*error));
  }
  if (!has_to) return unexpected(kShape);
  return out;
}

}  // namespace callrouter::api
