#include "provider/twilio/json_body.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>

namespace callrouter::twilio {

namespace {

std::string_view trim_trailing_blanks(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// Names are echoed in errors: printable ASCII only, and short.
std::string shown(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, 64)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  return out;
}

}  // namespace

bool is_json_content_type(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  constexpr std::string_view kJson = "application/json";
  return type.size() == kJson.size() &&
         std::equal(type.begin(), type.end(), kJson.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

Expected<Form> parse_json_fields(std::string_view body) {
  // The DOM parser checks the whole text (UTF-8, syntax, nothing after the object); the
  // on-demand pass then reads the members, because only it keeps a number's text as written.
  simdjson::padded_string padded(body);
  simdjson::dom::parser checker;
  simdjson::dom::element root;
  if (auto error = checker.parse(padded).get(root)) {
    // simdjson's own words say what is wrong (a number beyond 64 bits included).
    return unexpected(fmt::format("json: malformed JSON: {}", simdjson::error_message(error)));
  }
  if (!root.is_object()) return unexpected(std::string("json: the body must be a JSON object"));
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  simdjson::ondemand::object object;
  if (parser.iterate(padded).get(doc) || doc.get_object().get(object)) {
    return unexpected(std::string("json: malformed JSON"));
  }
  Form form;
  for (auto member : object) {
    simdjson::ondemand::field field;
    std::string_view name;
    if (std::move(member).get(field) || field.unescaped_key().get(name)) {
      return unexpected(std::string("json: malformed object"));
    }
    if (name.empty()) return unexpected(std::string("json: a field has an empty name"));
    if (name.find('\0') != std::string_view::npos) {
      return unexpected(fmt::format("json: field '{}': NUL in the name", shown(name)));
    }
    std::string key(name);  // the parser's buffer for `name` is reused by the value
    if (std::any_of(form.params.begin(), form.params.end(),
                    [&](const FormParam& p) { return p.name == key; })) {
      return unexpected(fmt::format("json: field '{}': given twice", shown(key)));
    }
    if (form.params.size() == kMaxFormParams) {
      return unexpected(fmt::format("json: more than {} fields", kMaxFormParams));
    }
    simdjson::ondemand::value value = field.value();
    simdjson::ondemand::json_type type;
    if (value.type().get(type)) return unexpected(std::string("json: malformed object"));
    std::string text;
    if (type == simdjson::ondemand::json_type::string) {
      std::string_view s;
      if (value.get_string().get(s)) {
        return unexpected(fmt::format("json: field '{}': malformed string", shown(key)));
      }
      if (s.find('\0') != std::string_view::npos) {
        return unexpected(fmt::format("json: field '{}': NUL in the value", shown(key)));
      }
      text.assign(s);
    } else if (type == simdjson::ondemand::json_type::number) {
      text.assign(trim_trailing_blanks(value.raw_json_token()));
    } else {
      return unexpected(
          fmt::format("json: field '{}': must be a string or a number (webhook fields are flat)",
                      shown(key)));
    }
    form.params.push_back({std::move(key), std::move(text)});
  }
  return form;
}

}  // namespace callrouter::twilio
