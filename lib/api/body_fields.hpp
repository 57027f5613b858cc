// Decodes a /v1 request body that is a flat JSON object of string fields, refusing unknown
// fields and non-strings with a message naming the field (for the 400 the handler answers).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/expected.hpp"

namespace callrouter::api {

struct BodyFields {
  std::vector<std::pair<std::string, std::string>> values;  // null fields are left out
  std::string_view get(std::string_view name) const;
  bool has(std::string_view name) const;
};

// Strings longer than `max_bytes` are refused too.
Expected<BodyFields> parse_fields(std::string_view body, std::initializer_list<std::string_view> allowed,
                                  std::size_t max_bytes = 256);

}  // namespace callrouter::api
