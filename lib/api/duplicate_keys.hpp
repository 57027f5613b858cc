// One rule for a /v1 body with the same key twice in an object: refused (400), wherever it is.
// (RFC 8259 leaves the meaning open; parsers differ on first-wins vs last-wins, so a body that a
// proxy or a CRM's validator reads one way must not be stored the other way.)
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace callrouter::api {

// The path of the first key that repeats (`states[2].exits.next`), or nullopt when there is none
// or the body is not JSON at all (the handler's own decoder says what is wrong then).
std::optional<std::string> find_duplicate_key(std::string_view body);

}  // namespace callrouter::api
