// Small helpers the /v1 handlers share: JSON answers and nullable string fields.
// (Errors come from server::json_error.)
#pragma once

#include <string>
#include <string_view>

#include "common/json_writer.hpp"
#include "server/http_message.hpp"

namespace callrouter::app {

inline server::HttpResponse json_answer(int status, std::string body) {
  server::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// An empty string is written as null: the API's way of saying "not set".
inline void string_or_null(JsonWriter& w, std::string_view key, const std::string& value) {
  w.key(key);
  if (value.empty()) {
    w.null();
  } else {
    w.value(value);
  }
}

// "+815012345678" may arrive as "%2B815012345678" in a path.
inline std::string path_number(std::string_view segment) {
  std::string number;
  if (segment.starts_with("%2B") || segment.starts_with("%2b")) {
    number.push_back('+');
    segment.remove_prefix(3);
  }
  number.append(segment);
  return number;
}

}  // namespace callrouter::app
