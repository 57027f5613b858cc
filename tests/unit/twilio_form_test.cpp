// Tests for parse_form: decoding, structure, every rejected input, and a no-crash sweep.
#include <catch2/catch.hpp>
#include <random>
#include <string>

#include "provider/twilio/form.hpp"

using callrouter::twilio::Form;
using callrouter::twilio::kMaxFormParams;
using callrouter::twilio::parse_form;

namespace {

Form parse_ok(std::string_view body) {
  auto form = parse_form(body);
  INFO("body: " << body);
  REQUIRE(form.has_value());
  return std::move(form).value();
}

std::string parse_error(std::string_view body) {
  auto form = parse_form(body);
  INFO("body: " << body);
  REQUIRE_FALSE(form.has_value());
  return form.error();
}

}  // namespace

TEST_CASE("form: a Twilio voice webhook body", "[twilio][form]") {
  Form form = parse_ok(
      "CallSid=CA1234567890ABCDE&AccountSid=AC42&From=%2B14158675309&To=%2b18005551212"
      "&CallStatus=ringing&CallerName=Jane+Q+Doe");
  REQUIRE(form.params.size() == 6);
  CHECK(form.params[0].name == "CallSid");
  CHECK(form.params[0].value == "CA1234567890ABCDE");
  CHECK(form.get("From") == "+14158675309");
  CHECK(form.get("To") == "+18005551212");  // lower-case hex
  CHECK(form.get("CallerName") == "Jane Q Doe");
  CHECK_FALSE(form.get("Digits").has_value());
  CHECK_FALSE(form.get("callsid").has_value());  // names are case-sensitive
}

TEST_CASE("form: percent-decoding", "[twilio][form]") {
  CHECK(parse_ok("a=%41%62%7e").get("a") == "Ab~");
  CHECK(parse_ok("a=%2B%2b").get("a") == "++");  // an escaped + stays a plus
  CHECK(parse_ok("a=%25").get("a") == "%");      // decoded once, not twice
  CHECK(parse_ok("a=%2541").get("a") == "%41");
  CHECK(parse_ok("a=%26b%3Dc").get("a") == "&b=c");  // escaped separators are data
  CHECK(parse_ok("a=%0A%ff").get("a") == std::string("\n\xff"));
  CHECK(parse_ok("%41%42=1").params.at(0).name == "AB");  // names decode too
  CHECK(parse_ok("a+b=c+d").params.at(0).name == "a b");
  CHECK(parse_ok("a+b=c+d").get("a b") == "c d");
}

TEST_CASE("form: structure", "[twilio][form]") {
  SECTION("empty body") { CHECK(parse_ok("").params.empty()); }
  SECTION("only separators") { CHECK(parse_ok("&&&").params.empty()); }
  SECTION("a name alone has the empty value") {
    Form form = parse_ok("a&b=");
    REQUIRE(form.params.size() == 2);
    CHECK(form.get("a") == "");
    CHECK(form.get("b") == "");
  }
  SECTION("empty segments are skipped, order kept") {
    Form form = parse_ok("&a=1&&b=2&");
    REQUIRE(form.params.size() == 2);
    CHECK(form.params[0].name == "a");
    CHECK(form.params[1].name == "b");
  }
  SECTION("= inside a value is kept") {
    CHECK(parse_ok("a=b=c").get("a") == "b=c");
    CHECK(parse_ok("a==").get("a") == "=");
  }
  SECTION("repeated names are all kept, get() gives the first") {
    Form form = parse_ok("Digits=9&To=x&Digits=1&Digits=1");
    REQUIRE(form.params.size() == 4);
    CHECK(form.get("Digits") == "9");
    CHECK(form.params[2].value == "1");
    CHECK(form.params[3].value == "1");
  }
  SECTION("; is not a separator") { CHECK(parse_ok("a=1;b=2").get("a") == "1;b=2"); }
}

TEST_CASE("form: UTF-8 passes through, raw or escaped", "[twilio][form]") {
  CHECK(parse_ok("CallerName=Jos%C3%A9+M%C3%BCller").get("CallerName") == "José Müller");
  CHECK(parse_ok("CallerName=José 中文 😀").get("CallerName") == "José 中文 😀");
  CHECK(parse_ok("n=%F0%9F%98%80").get("n") == "😀");
}

TEST_CASE("form: malformed percent escapes are errors naming the offset", "[twilio][form]") {
  CHECK(parse_error("a=%") == "form: malformed percent escape at offset 2");
  CHECK(parse_error("a=%4") == "form: malformed percent escape at offset 2");
  CHECK(parse_error("a=%zz") == "form: malformed percent escape at offset 2");
  CHECK(parse_error("a=%4g") == "form: malformed percent escape at offset 2");
  CHECK(parse_error("a=%g4") == "form: malformed percent escape at offset 2");
  CHECK(parse_error("ok=1&b=xy%") == "form: malformed percent escape at offset 9");
  CHECK(parse_error("x%=1") == "form: malformed percent escape at offset 1");
  CHECK(parse_error("a=%%41") == "form: malformed percent escape at offset 2");
  CHECK(parse_error("a=% 1") == "form: malformed percent escape at offset 2");
  // An escape must not borrow the following separator.
  CHECK(parse_error("a=%4&b=1") == "form: malformed percent escape at offset 2");
}

TEST_CASE("form: NUL bytes are errors", "[twilio][form]") {
  CHECK(parse_error("a=%00") == "form: escaped NUL byte at offset 2");
  CHECK(parse_error("a=1&%00=2") == "form: escaped NUL byte at offset 4");
  CHECK(parse_error(std::string_view("a=x\0y", 5)) == "form: NUL byte at offset 3");
  CHECK(parse_error(std::string_view("a\0=1", 4)) == "form: NUL byte at offset 1");
  CHECK(parse_error(std::string_view("a=%41\0", 6)) == "form: NUL byte at offset 5");
}

TEST_CASE("form: empty names are errors", "[twilio][form]") {
  CHECK(parse_error("=x") == "form: empty parameter name at offset 0");
  CHECK(parse_error("=") == "form: empty parameter name at offset 0");
  CHECK(parse_error("a=1&=2") == "form: empty parameter name at offset 4");
}

TEST_CASE("form: at most kMaxFormParams parameters", "[twilio][form]") {
  std::string body;
  for (std::size_t i = 0; i < kMaxFormParams; ++i) body += "p" + std::to_string(i) + "=v&&";
  CHECK(parse_ok(body).params.size() == kMaxFormParams);  // empty segments do not count
  std::string one_more = body + "extra=1";
  std::string error = parse_error(one_more);
  CHECK(error.find("more than 512 parameters") != std::string::npos);
  CHECK(error.find("offset " + std::to_string(body.size())) != std::string::npos);
  CHECK(parse_ok(body + "&&&").params.size() == kMaxFormParams);
}

TEST_CASE("form: random bytes never crash and failures always explain", "[twilio][form]") {
  std::mt19937 rng(20240607);
  // Skewed towards the bytes the parser treats specially, so the odd paths are hit often.
  const std::string_view special("%&=+0aFz\0\xff", 10);
  for (int round = 0; round < 5000; ++round) {
    std::size_t length = rng() % 64;
    std::string body;
    for (std::size_t i = 0; i < length; ++i) {
      body.push_back(rng() % 2 == 0 ? special[rng() % special.size()] : static_cast<char>(rng()));
    }
    auto form = parse_form(body);
    if (form.has_value()) {
      for (const auto& p : form->params) {
        CHECK_FALSE(p.name.empty());
        CHECK(p.name.find('\0') == std::string::npos);
        CHECK(p.value.find('\0') == std::string::npos);
      }
    } else {
      CHECK(form.error().rfind("form: ", 0) == 0);
    }
  }
}
