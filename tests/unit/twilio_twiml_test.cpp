// Tests for the TwiML writer: exact output of every helper and escaping of hostile text.
#include <catch2/catch.hpp>
#include <string>

#include "provider/twilio/twiml.hpp"

using callrouter::twilio::append_xml_escaped;
using callrouter::twilio::reject_document;
using callrouter::twilio::TwimlWriter;

namespace {

const std::string kHead = R"(<?xml version="1.0" encoding="UTF-8"?><Response>)";
const std::string kTail = "</Response>";
const std::string kFffd = "\xEF\xBF\xBD";

std::string doc(const std::string& body) { return kHead + body + kTail; }

std::string escaped(std::string_view text) {
  std::string out;
  append_xml_escaped(out, text);
  return out;
}

std::size_t count(const std::string& haystack, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("twiml: an empty document", "[twilio][twiml]") {
  std::string out = TwimlWriter().finish();
  CHECK(out == R"(<?xml version="1.0" encoding="UTF-8"?><Response></Response>)");
  CHECK(out.front() == '<');  // leading whitespace is Twilio error 12100
}

TEST_CASE("twiml: Say", "[twilio][twiml]") {
  CHECK(TwimlWriter().say("Hello").finish() == doc("<Say>Hello</Say>"));
  CHECK(TwimlWriter().say("Bonjour", "fr-FR", "Polly.Celine", 2).finish() ==
        doc(R"(<Say language="fr-FR" voice="Polly.Celine" loop="2">Bonjour</Say>)"));
  CHECK(TwimlWriter().say("Hi", {}, "alice").finish() == doc(R"(<Say voice="alice">Hi</Say>)"));
  CHECK(TwimlWriter().say("Hi", "en-GB").finish() == doc(R"(<Say language="en-GB">Hi</Say>)"));
  CHECK(TwimlWriter().say("Hold", {}, {}, 0).finish() == doc(R"(<Say loop="0">Hold</Say>)"));
  CHECK(TwimlWriter().say("").finish() == doc("<Say/>"));
}

TEST_CASE("twiml: Play, Pause, Hangup, Reject, Redirect", "[twilio][twiml]") {
  CHECK(TwimlWriter().play("https://cdn.example.com/a.mp3").finish() ==
        doc("<Play>https://cdn.example.com/a.mp3</Play>"));
  CHECK(TwimlWriter().play("https://cdn.example.com/a.mp3?x=1&y=2", 3).finish() ==
        doc(R"(<Play loop="3">https://cdn.example.com/a.mp3?x=1&amp;y=2</Play>)"));
  CHECK(TwimlWriter().pause(2).finish() == doc(R"(<Pause length="2"/>)"));
  CHECK(TwimlWriter().pause(1).finish() == doc(R"(<Pause length="1"/>)"));
  CHECK(TwimlWriter().hangup().finish() == doc("<Hangup/>"));
  CHECK(TwimlWriter().reject().finish() == doc(R"(<Reject reason="rejected"/>)"));
  CHECK(TwimlWriter().reject("busy").finish() == doc(R"(<Reject reason="busy"/>)"));
  CHECK(TwimlWriter().redirect("https://h/next?step=2&x=y").finish() ==
        doc("<Redirect>https://h/next?step=2&amp;x=y</Redirect>"));
}

TEST_CASE("twiml: reject_document", "[twilio][twiml]") {
  CHECK(
      reject_document() ==
      R"(<?xml version="1.0" encoding="UTF-8"?><Response><Reject reason="rejected"/></Response>)");
  CHECK(reject_document("busy") ==
        R"(<?xml version="1.0" encoding="UTF-8"?><Response><Reject reason="busy"/></Response>)");
}

TEST_CASE("twiml: generic elements, nesting and chaining", "[twilio][twiml]") {
  std::string out = TwimlWriter()
                        .open("Gather", {{"input", "dtmf speech"},
                                         {"numDigits", "1"},
                                         {"action", "/gather?flow=7&step=2"},
                                         {"method", ""}})
                        .say("Press 1 for sales.")
                        .pause(1)
                        .close("Gather")
                        .open("Dial", {{"callerId", "+15550001111"}, {"timeout", "20"}})
                        .element("Client", {{"statusCallback", "https://h/s"}}, "agent_7")
                        .element("Number", {}, "+15550002222")
                        .close("Dial")
                        .element("Leave")
                        .finish();
  CHECK(out ==
        doc(R"(<Gather input="dtmf speech" numDigits="1" action="/gather?flow=7&amp;step=2">)"
            R"(<Say>Press 1 for sales.</Say><Pause length="1"/></Gather>)"
            R"(<Dial callerId="+15550001111" timeout="20">)"
            R"(<Client statusCallback="https://h/s">agent_7</Client>)"
            R"(<Number>+15550002222</Number></Dial><Leave/>)"));
}

TEST_CASE("twiml: finish hands over the document and starts a new one", "[twilio][twiml]") {
  TwimlWriter writer;
  CHECK(writer.hangup().finish() == doc("<Hangup/>"));
  CHECK(writer.say("again").finish() == doc("<Say>again</Say>"));
}

TEST_CASE("twiml: markup characters are escaped", "[twilio][twiml]") {
  CHECK(escaped("a<b") == "a&lt;b");
  CHECK(escaped("a&b") == "a&amp;b");
  CHECK(escaped("&amp;") == "&amp;amp;");  // already-escaped text is not trusted
  CHECK(escaped("a>b") == "a&gt;b");
  CHECK(escaped(R"(say "hi")") == "say &quot;hi&quot;");
  CHECK(escaped("O'Brien") == "O&apos;Brien");
  CHECK(escaped("x]]>y") == "x]]&gt;y");  // no CDATA end in text
  CHECK(escaped("<![CDATA[x]]>") == "&lt;![CDATA[x]]&gt;");
  CHECK(escaped("plain text 123") == "plain text 123");
  CHECK(escaped("") == "");
}

TEST_CASE("twiml: escaping appends", "[twilio][twiml]") {
  std::string out = "prefix:";
  append_xml_escaped(out, "<");
  CHECK(out == "prefix:&lt;");
}

TEST_CASE("twiml: control characters become U+FFFD, tab and newlines stay", "[twilio][twiml]") {
  CHECK(escaped("a\tb\nc\rd") == "a\tb\nc\rd");
  CHECK(escaped(std::string_view("a\0b", 3)) == "a" + kFffd + "b");
  CHECK(escaped("\x01\x08\x0b\x0c\x1b\x1f") == kFffd + kFffd + kFffd + kFffd + kFffd + kFffd);
  CHECK(escaped("\x7f") == "\x7f");          // DEL is a legal XML 1.0 character
  CHECK(escaped("\xC2\x85") == "\xC2\x85");  // and so is U+0085
}

TEST_CASE("twiml: valid UTF-8 passes through", "[twilio][twiml]") {
  CHECK(escaped("José Müller") == "José Müller");
  CHECK(escaped("中文") == "中文");
  CHECK(escaped("😀") == "😀");
  CHECK(escaped("\xED\x9F\xBF") == "\xED\x9F\xBF");          // U+D7FF, just below surrogates
  CHECK(escaped("\xEE\x80\x80") == "\xEE\x80\x80");          // U+E000, just above
  CHECK(escaped("\xEF\xBF\xBD") == "\xEF\xBF\xBD");          // U+FFFD itself
  CHECK(escaped("\xF4\x8F\xBF\xBF") == "\xF4\x8F\xBF\xBF");  // U+10FFFF
}

TEST_CASE("twiml: invalid UTF-8 becomes U+FFFD, one per maximal subpart", "[twilio][twiml]") {
  CHECK(escaped("a\x80z") == "a" + kFffd + "z");            // lone continuation
  CHECK(escaped("a\xC3") == "a" + kFffd);                   // truncated at the end
  CHECK(escaped("\xC3(") == kFffd + "(");                   // bad continuation
  CHECK(escaped("\xE4\xB8") == kFffd);                      // truncated 3-byte
  CHECK(escaped("\xE4\xB8<") == kFffd + "&lt;");            // markup after is still seen
  CHECK(escaped("\xC0\xBC") == kFffd + kFffd);              // overlong '<'
  CHECK(escaped("\xE0\x80\xBC") == kFffd + kFffd + kFffd);  // overlong '<'
  CHECK(escaped("\xC1\xBF") == kFffd + kFffd);              // overlong
  CHECK(escaped("\xED\xA0\x80") == kFffd + kFffd + kFffd);  // surrogate U+D800
  CHECK(escaped("\xF4\x90\x80\x80") == kFffd + kFffd + kFffd + kFffd);  // above U+10FFFF
  CHECK(escaped("\xF5\x80") == kFffd + kFffd);                          // never a lead byte
  CHECK(escaped("\xFF\xFE") == kFffd + kFffd);
  CHECK(escaped("\xF0\x9F\x98") == kFffd);  // truncated emoji
  CHECK(escaped("\xF0\x9F\x98"
                "A") == kFffd + "A");
  CHECK(escaped("\xEF\xBF\xBE") == kFffd);  // U+FFFE, not XML
  CHECK(escaped("\xEF\xBF\xBF") == kFffd);  // U+FFFF, not XML
}

TEST_CASE("twiml: a hostile caller name cannot add an element", "[twilio][twiml]") {
  const std::string hostile = R"(Bob</Say><Dial><Number>+19005550000</Number></Dial><Say>)";
  std::string out = TwimlWriter().say("Call from " + hostile).hangup().finish();
  CHECK(out == doc("<Say>Call from Bob&lt;/Say&gt;&lt;Dial&gt;&lt;Number&gt;+19005550000"
                   "&lt;/Number&gt;&lt;/Dial&gt;&lt;Say&gt;</Say><Hangup/>"));
  CHECK(count(out, "<Dial") == 0);
  CHECK(count(out, "<Say") == 1);
  CHECK(count(out, "</Say>") == 1);

  SECTION("nor break out of an attribute") {
    std::string attr_out = TwimlWriter()
                               .open("Dial", {{"callerId", R"(x" action="https://evil/' a='1)"}})
                               .element("Number", {}, "+15550001111")
                               .close("Dial")
                               .finish();
    CHECK(attr_out == doc(R"(<Dial callerId="x&quot; action=&quot;https://evil/&apos; a=&apos;1">)"
                          R"(<Number>+15550001111</Number></Dial>)"));
    CHECK(count(attr_out, "action=") == 1);
    CHECK(count(attr_out, "\"") == 6);  // the XML declaration's four quotes and callerId's two
  }
  SECTION("nor smuggle markup through bad UTF-8") {
    // An overlong '<' (C0 BC) read leniently would be '<'; it must come out as U+FFFD.
    std::string tricky = TwimlWriter().say("x\xC0\xBC/Say\xC0\xBE").finish();
    CHECK(tricky == doc("<Say>x" + kFffd + kFffd + "/Say" + kFffd + kFffd + "</Say>"));
  }
}
