// Writes TwiML voice documents, the XML that tells Twilio what to do with a call.
// All text and attribute values are escaped, so caller-controlled text cannot add elements.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace callrouter::twilio {

struct XmlAttr {
  std::string_view name;
  std::string_view value;  // empty: the attribute is left out...
  bool keep_empty = false;  // ...unless empty means something (finishOnKey="": no finish key)
};

// Appends `text` escaped for XML content and attribute values: & < > " ' become entities, and
// what XML 1.0 forbids (C0 controls other than \t \n \r, U+FFFE, U+FFFF, and every ill-formed
// UTF-8 sequence, one per maximal subpart) becomes U+FFFD, so nothing is silently lost.
void append_xml_escaped(std::string& out, std::string_view text);

// Starts with `<?xml version="1.0" encoding="UTF-8"?><Response>`, nothing before it (Twilio
// rejects leading whitespace with 12100). Verb and attribute names are the programmer's (checked
// by assert); values and text may come from anyone. Attributes are written in the order given.
class TwimlWriter {
 public:
  TwimlWriter();

  TwimlWriter& open(std::string_view verb, std::initializer_list<XmlAttr> attrs = {});
  TwimlWriter& close(std::string_view verb);
  // <Verb .../> when `text` is empty, else <Verb ...>text</Verb>.
  TwimlWriter& element(std::string_view verb, std::initializer_list<XmlAttr> attrs = {},
                       std::string_view text = {});

  // loop == 1 is Twilio's default and not written; 0 means "until the call ends".
  TwimlWriter& say(std::string_view text, std::string_view language = {},
                   std::string_view voice = {}, int loop = 1);
  TwimlWriter& play(std::string_view url, int loop = 1);
  TwimlWriter& pause(int seconds);  // always writes length, even 1
  TwimlWriter& hangup();
  TwimlWriter& reject(std::string_view reason = "rejected");  // "rejected" or "busy"
  TwimlWriter& redirect(std::string_view url);

  // Appends </Response> and hands the document over; the writer then starts a new one.
  std::string finish();

 private:
  void write_start_tag(std::string_view verb, std::initializer_list<XmlAttr> attrs);
  std::string out_;
  int depth_ = 0;  // open() minus close(), to catch unbalanced use in debug builds
};

// The whole document for a call refused before answering: as the first verb, Reject means the
// call is never answered nor billed.
std::string reject_document(std::string_view reason = "rejected");

}  // namespace callrouter::twilio
