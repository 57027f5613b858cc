#include "provider/twilio/twiml.hpp"

#include <cassert>

#include "common/utf8.hpp"

namespace callrouter::twilio {

namespace {

constexpr std::string_view kHeader = R"(<?xml version="1.0" encoding="UTF-8"?><Response>)";
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Names are never caller text; a name that is not a plain XML name is a programming error.
[[maybe_unused]] bool is_plain_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    bool other = (c >= '0' && c <= '9') || c == '-' || c == '.' || c == ':';
    if (!letter && (i == 0 || !other)) return false;
  }
  return true;
}

std::string number(int n) { return std::to_string(n); }

}  // namespace

void append_xml_escaped(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '&': out.append("&amp;"); break;
        case '<': out.append("&lt;"); break;
        case '>': out.append("&gt;"); break;  // also keeps "]]>" out of character data
        case '"': out.append("&quot;"); break;
        case '\'': out.append("&apos;"); break;
        case '\t':
        case '\n':
        case '\r': out.push_back(static_cast<char>(c)); break;
        default:
          if (c < 0x20) {
            out.append(kReplacement);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    Utf8Step step = utf8_step(text, i);
    std::string_view sequence = text.substr(i, step.length);
    // U+FFFE and U+FFFF are well-formed UTF-8 but not XML 1.0 characters.
    bool noncharacter = sequence == "\xEF\xBF\xBE" || sequence == "\xEF\xBF\xBF";
    if (step.valid && !noncharacter) {
      out.append(sequence);
    } else {
      out.append(kReplacement);
    }
    i += step.length;
  }
}

TwimlWriter::TwimlWriter() : out_(kHeader) {}

void TwimlWriter::write_start_tag(std::string_view verb, std::initializer_list<XmlAttr> attrs) {
  assert(is_plain_name(verb));
  out_.push_back('<');
  out_.append(verb);
  for (const XmlAttr& attr : attrs) {
    if (attr.value.empty() && !attr.keep_empty) continue;
    assert(is_plain_name(attr.name));
    out_.push_back(' ');
    out_.append(attr.name);
    out_.append("=\"");
    append_xml_escaped(out_, attr.value);
    out_.push_back('"');
  }
}

TwimlWriter& TwimlWriter::open(std::string_view verb, std::initializer_list<XmlAttr> attrs) {
  write_start_tag(verb, attrs);
  out_.push_back('>');
  ++depth_;
  return *this;
}

TwimlWriter& TwimlWriter::close(std::string_view verb) {
  assert(is_plain_name(verb));
  assert(depth_ > 0);
  out_.append("</");
  out_.append(verb);
  out_.push_back('>');
  --depth_;
  return *this;
}

TwimlWriter& TwimlWriter::element(std::string_view verb, std::initializer_list<XmlAttr> attrs,
                                  std::string_view text) {
  write_start_tag(verb, attrs);
  if (text.empty()) {
    out_.append("/>");
    return *this;
  }
  out_.push_back('>');
  append_xml_escaped(out_, text);
  out_.append("</");
  out_.append(verb);
  out_.push_back('>');
  return *this;
}

TwimlWriter& TwimlWriter::say(std::string_view text, std::string_view language,
                              std::string_view voice, int loop) {
  std::string loop_text = loop == 1 ? std::string() : number(loop);
  return element("Say", {{"language", language}, {"voice", voice}, {"loop", loop_text}}, text);
}

TwimlWriter& TwimlWriter::play(std::string_view url, int loop) {
  std::string loop_text = loop == 1 ? std::string() : number(loop);
  return element("Play", {{"loop", loop_text}}, url);
}

TwimlWriter& TwimlWriter::pause(int seconds) {
  std::string length = number(seconds);
  return element("Pause", {{"length", length}});
}

TwimlWriter& TwimlWriter::hangup() { return element("Hangup"); }

TwimlWriter& TwimlWriter::reject(std::string_view reason) {
  return element("Reject", {{"reason", reason}});
}

TwimlWriter& TwimlWriter::redirect(std::string_view url) { return element("Redirect", {}, url); }

std::string TwimlWriter::finish() {
  assert(depth_ == 0);
  out_.append("</Response>");
  std::string document = std::move(out_);
  out_.assign(kHeader);
  depth_ = 0;
  return document;
}

std::string reject_document(std::string_view reason) {
  return TwimlWriter().reject(reason).finish();
}

}  // namespace callrouter::twilio
