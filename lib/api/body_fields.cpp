#include "api/body_fields.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>

namespace callrouter::api {

std::string_view BodyFields::get(std::string_view name) const {
  for (const auto& [k, v] : values) {
    if (k == name) return v;
  }
  return {};
}

bool BodyFields::has(std::string_view name) const {
  return std::any_of(values.begin(), values.end(), [&](const auto& kv) { return kv.first == name; });
}

Expected<BodyFields> parse_fields(std::string_view body, std::initializer_list<std::string_view> allowed,
                                  std::size_t max_bytes) {
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  if (parser.parse(body.data(), body.size()).get(o)) return unexpected(std::string("body must be a JSON object"));
  BodyFields fields;
  for (auto [k, v] : o) {
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
      return unexpected(fmt::format("field '{}': unknown field", k));
    }
    std::string_view s;
    if (v.is_null()) continue;
    if (v.get(s)) return unexpected(fmt::format("field '{}': must be a string", k));
    if (s.size() > max_bytes) return unexpected(fmt::format("field '{}': longer than {} bytes", k, max_bytes));
    fields.values.emplace_back(std::string(k), std::string(s));
  }
  return fields;
}

}  // namespace callrouter::api
