// Parses application/x-www-form-urlencoded text: Twilio webhook POST bodies and GET query strings.
// Garbage gets an error that names the byte offset, never a crash or an exception.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"

namespace callrouter::twilio {

// Twilio sends about 40 fields; the cap bounds the work one request can cause.
inline constexpr std::size_t kMaxFormParams = 512;

struct FormParam {
  std::string name;
  std::string value;
};

struct Form {
  std::vector<FormParam> params;  // arrival order; repeated names kept
  // The first value of `name`; the view lives as long as this Form is unchanged.
  std::optional<std::string_view> get(std::string_view name) const;
};

// `+` is a space and %XX a byte (either hex case); `a` alone has the value "", empty segments
// are skipped, `=` after the first belongs to the value. Bytes pass through: no UTF-8 check.
// Errors: a malformed escape, an empty name, a decoded NUL, more than kMaxFormParams params.
Expected<Form> parse_form(std::string_view body);

}  // namespace callrouter::twilio
