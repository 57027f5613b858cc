// JSON webhook bodies (the ones Twilio signs with bodySHA256 in the URL) read into the same Form
// a form-encoded webhook gives, so every handler reads its fields one way.
#pragma once

#include <string_view>

#include "common/expected.hpp"
#include "provider/twilio/form.hpp"

namespace callrouter::twilio {

// A Content-Type of application/json, any case, with or without parameters (; charset=utf-8).
bool is_json_content_type(std::string_view content_type);

// A flat JSON object whose values are strings or numbers, as Twilio's form fields are flat
// strings: each member becomes one FormParam in body order, a string by its unescaped text, a
// number by its text as written (so "Confidence": 0.90 reads as "0.90"). Errors name the field:
// not an object, a value that is an object, array, boolean or null, a name given twice, an empty
// name, a NUL in a name or value, more than kMaxFormParams members, or malformed JSON.
Expected<Form> parse_json_fields(std::string_view body);

}  // namespace callrouter::twilio
