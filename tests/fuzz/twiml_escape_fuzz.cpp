// TwiML from hostile text (a caller name, a flow's prompt, a URL): read back by a real XML parser
// (expat), the document always has exactly the elements we wrote, and text and attributes read
// back as given, up to the changes XML itself makes (line ends, whitespace in attributes) and the
// characters XML cannot carry (replaced by U+FFFD).
// Input: say text NUL voice NUL play url.
#include <expat.h>

#include <string>
#include <vector>

#include "common/utf8.hpp"
#include "fuzz_support.hpp"
#include "provider/twilio/twiml.hpp"

using namespace callrouter;

namespace {

struct ReadBack {
  std::vector<std::string> elements;  // start tags in order
  std::string say_text;
  std::string voice;
  std::string play_url;
  std::string* text_of = nullptr;
};

void XMLCALL on_start(void* user, const XML_Char* name, const XML_Char** attrs) {
  auto& r = *static_cast<ReadBack*>(user);
  r.elements.emplace_back(name);
  r.text_of = r.elements.back() == "Say" ? &r.say_text : r.elements.back() == "Play" ? &r.play_url : nullptr;
  for (int i = 0; attrs[i] != nullptr; i += 2) {
    if (std::string_view(attrs[i]) == "voice") r.voice = attrs[i + 1];
  }
}
void XMLCALL on_end(void* user, const XML_Char*) { static_cast<ReadBack*>(user)->text_of = nullptr; }
void XMLCALL on_text(void* user, const XML_Char* s, int len) {
  auto& r = *static_cast<ReadBack*>(user);
  if (r.text_of != nullptr) r.text_of->append(s, static_cast<std::size_t>(len));
}

// Text XML 1.0 can carry as it is: valid UTF-8 without C0 controls (but tab, LF, CR) and U+FFFE/F.
bool xml_can_carry(std::string_view s) {
  if (!valid_utf8(s)) return false;
  for (unsigned char c : s) {
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
  }
  return s.find("\xEF\xBF\xBE") == std::string_view::npos && s.find("\xEF\xBF\xBF") == std::string_view::npos;
}

// What an XML parser makes of text written raw (the escaper keeps tab, LF and CR as they are):
// CRLF and CR are LF (XML 1.0 §2.11); in an attribute, tab and line ends are spaces too (§3.3.3).
std::string as_parsed(std::string_view s, bool attribute) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\r') {
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
      c = '\n';
    }
    if (attribute && (c == '\t' || c == '\n')) c = ' ';
    out.push_back(c);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto f = fuzz::split_fields(fuzz::as_text(data, size), 3);
  twilio::TwimlWriter writer;
  writer.say(f[0], "en-US", f[1]).play(f[2]);
  const auto doc = writer.finish();
  fuzz::require(valid_utf8(doc), "TwiML is valid UTF-8");

  ReadBack r;
  XML_Parser parser = XML_ParserCreate("UTF-8");
  XML_SetUserData(parser, &r);
  XML_SetElementHandler(parser, on_start, on_end);
  XML_SetCharacterDataHandler(parser, on_text);
  const bool parsed = XML_Parse(parser, doc.data(), static_cast<int>(doc.size()), 1) == XML_STATUS_OK;
  XML_ParserFree(parser);
  fuzz::require(parsed, "TwiML is well-formed XML");
  // Empty text writes <Say/> (no element inside either way).
  fuzz::require(r.elements == std::vector<std::string>({"Response", "Say", "Play"}), "exactly the elements we wrote");

  if (xml_can_carry(f[0])) fuzz::require(r.say_text == as_parsed(f[0], false), "Say text reads back");
  if (xml_can_carry(f[2])) fuzz::require(r.play_url == as_parsed(f[2], false), "Play URL reads back");
  if (xml_can_carry(f[1]) && !f[1].empty()) fuzz::require(r.voice == as_parsed(f[1], true), "the voice attribute reads back");
  return 0;
}
