#include "sim/twiml_document.hpp"

#include <charconv>

namespace callrouter::sim {

int TwimlVerb::int_attr(std::string_view key, int fallback) const {
  auto v = attr(key);
  int out = fallback;
  if (!v.empty()) std::from_chars(v.data(), v.data() + v.size(), out);
  return out;
}

namespace {

std::string decode_entities(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out.push_back(s[i]);
      continue;
    }
    auto semi = s.find(';', i);
    auto entity = s.substr(i + 1, semi == std::string_view::npos ? 0 : semi - i - 1);
    if (entity == "amp") out.push_back('&');
    else if (entity == "lt") out.push_back('<');
    else if (entity == "gt") out.push_back('>');
    else if (entity == "quot") out.push_back('"');
    else if (entity == "apos") out.push_back('\'');
    else {
      out.push_back('&');
      continue;
    }
    i = semi;
  }
  return out;
}

struct Reader {
  std::string_view s;
  std::size_t pos = 0;
  std::string error;

  void skip_space() {
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\n' || s[pos] == '\r' || s[pos] == '\t')) ++pos;
  }
  bool fail(std::string message) {
    if (error.empty()) error = std::move(message) + " at byte " + std::to_string(pos);
    return false;
  }
  std::string name() {
    auto start = pos;
    while (pos < s.size() && (std::isalnum(static_cast<unsigned char>(s[pos])) || s[pos] == '_' || s[pos] == '-' ||
                              s[pos] == ':' || s[pos] == '.')) {
      ++pos;
    }
    return std::string(s.substr(start, pos - start));
  }

  // At '<' of a start tag: reads the element and everything inside it.
  bool element(TwimlVerb& out) {
    ++pos;
    out.name = name();
    if (out.name.empty()) return fail("element name expected");
    for (;;) {
      skip_space();
      if (pos >= s.size()) return fail("unterminated start tag");
      if (s.substr(pos, 2) == "/>") {
        pos += 2;
        return true;
      }
      if (s[pos] == '>') {
        ++pos;
        break;
      }
      auto key = name();
      if (key.empty() || pos >= s.size() || s[pos] != '=') return fail("attribute expected");
      ++pos;
      if (pos >= s.size() || (s[pos] != '"' && s[pos] != '\'')) return fail("quoted attribute value expected");
      char quote = s[pos++];
      auto end = s.find(quote, pos);
      if (end == std::string_view::npos) return fail("unterminated attribute value");
      out.attributes.emplace_back(std::move(key), decode_entities(s.substr(pos, end - pos)));
      pos = end + 1;
    }
    for (;;) {
      auto lt = s.find('<', pos);
      if (lt == std::string_view::npos) return fail("unterminated element " + out.name);
      out.text += decode_entities(s.substr(pos, lt - pos));
      pos = lt;
      if (s.substr(pos, 2) == "</") {
        pos += 2;
        if (name() != out.name) return fail("mismatched end tag for " + out.name);
        skip_space();
        if (pos >= s.size() || s[pos] != '>') return fail("end tag not closed");
        ++pos;
        return true;
      }
      TwimlVerb child;
      if (!element(child)) return false;
      out.children.push_back(std::move(child));
    }
  }
};

}  // namespace

TwimlParse parse_twiml(std::string_view document) {
  TwimlParse out;
  Reader r{document, 0, {}};
  // Leading whitespace before the declaration is Twilio's error 12100.
  if (document.starts_with("<?xml")) {
    auto end = document.find("?>");
    if (end == std::string_view::npos) {
      out.error = "unterminated XML declaration";
      return out;
    }
    r.pos = end + 2;
  } else if (!document.starts_with("<")) {
    out.error = "a TwiML document starts with '<'";
    return out;
  }
  r.skip_space();
  TwimlVerb response;
  if (r.pos >= document.size() || document[r.pos] != '<' || !r.element(response)) {
    out.error = r.error.empty() ? "no root element" : r.error;
    return out;
  }
  if (response.name != "Response") {
    out.error = "the root element is <" + response.name + ">, not <Response>";
    return out;
  }
  out.verbs = std::move(response.children);
  return out;
}

}  // namespace callrouter::sim
