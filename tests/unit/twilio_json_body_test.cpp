// Tests for JSON webhook bodies read into a Form: flat string and number fields only.
#include <catch2/catch.hpp>
#include <string>

#include "provider/twilio/json_body.hpp"

using callrouter::twilio::is_json_content_type;
using callrouter::twilio::kMaxFormParams;
using callrouter::twilio::parse_json_fields;

TEST_CASE("json body: flat strings and numbers become form fields in body order", "[twilio][json]") {
  auto form = parse_json_fields(
      R"({"CallSid":"CA0123","SequenceNumber":3,"Confidence": 0.90 ,"Delta":-1e5,)"
      R"("CallerName":"Jos\u00e9 \ud83d\ude00","Empty":""})");
  REQUIRE(form.has_value());
  REQUIRE(form->params.size() == 6);
  CHECK(form->params[0].name == "CallSid");
  CHECK(form->get("CallSid") == "CA0123");
  CHECK(form->get("SequenceNumber") == "3");
  CHECK(form->get("Confidence") == "0.90");  // as written, not as a double prints
  CHECK(form->get("Delta") == "-1e5");
  CHECK(form->get("CallerName") == "José 😀");
  CHECK(form->get("Empty") == "");
  auto empty = parse_json_fields(" {} ");
  REQUIRE(empty.has_value());
  CHECK(empty->params.empty());
}

TEST_CASE("json body: anything but a flat object of strings and numbers is an error naming it",
          "[twilio][json]") {
  struct Bad {
    const char* body;
    const char* says;
  };
  for (const Bad& bad : std::initializer_list<Bad>{
           {R"({"a":true})", "field 'a': must be a string or a number"},
           {R"({"a":null})", "field 'a': must be a string or a number"},
           {R"({"a":[1]})", "field 'a': must be a string or a number"},
           {R"({"a":{"b":"c"}})", "field 'a': must be a string or a number"},
           {R"(["a"])", "must be a JSON object"},
           {R"("a")", "must be a JSON object"},
           {R"({"a":"x","a":"y"})", "field 'a': given twice"},
           {R"({"":"x"})", "empty name"},
           {R"({"a":"\u0000"})", "field 'a': NUL in the value"},
           {R"({"a\u0000":"x"})", "NUL in the name"},
           {R"({"a":"x"} x)", "malformed JSON"},
           {R"({"a":"x",})", "malformed JSON"},
           {R"({"a":01})", "malformed JSON"},
           {R"({"a":"x")", "malformed JSON"},
           {"{\"a\":\"\xff\"}", "malformed JSON"},
           {"", "malformed JSON"},
       }) {
    INFO(bad.body);
    auto form = parse_json_fields(bad.body);
    REQUIRE_FALSE(form.has_value());
    CHECK(form.error().find(bad.says) != std::string::npos);
    CHECK(form.error().starts_with("json: "));
  }
}

TEST_CASE("json body: at most kMaxFormParams fields", "[twilio][json]") {
  auto object_of = [](std::size_t n) {
    std::string body = "{";
    for (std::size_t i = 0; i < n; ++i) body += (i ? ",\"f" : "\"f") + std::to_string(i) + "\":1";
    return body + "}";
  };
  CHECK(parse_json_fields(object_of(kMaxFormParams)).has_value());
  auto over = parse_json_fields(object_of(kMaxFormParams + 1));
  REQUIRE_FALSE(over.has_value());
  CHECK(over.error().find("more than") != std::string::npos);
}

TEST_CASE("json body: garbage never crashes", "[twilio][json]") {
  // Every prefix of a valid body, and a few byte flips of it, answer with a value or an error.
  const std::string body = R"({"CallSid":"CA0123","SequenceNumber":3,"Name":"J\u00e9"})";
  REQUIRE(parse_json_fields(body).has_value());
  // A cut-short object is never a body: each prefix is refused with a message.
  for (std::size_t n = 0; n < body.size(); ++n) {
    auto cut = parse_json_fields(body.substr(0, n));
    REQUIRE_FALSE(cut.has_value());
    CHECK_FALSE(cut.error().empty());
  }
  std::size_t refused = 0;
  for (std::size_t i = 0; i < body.size(); ++i) {
    for (char c : {'\0', '"', '\\', '{', '}', ',', ':', '[', 'x', '\x80'}) {
      std::string flipped = body;
      flipped[i] = c;
      auto parsed = parse_json_fields(flipped);
      if (!parsed) {
        CHECK_FALSE(parsed.error().empty());
        ++refused;
      }
    }
  }
  CHECK(refused > 0);
}

TEST_CASE("json body: the content type", "[twilio][json]") {
  CHECK(is_json_content_type("application/json"));
  CHECK(is_json_content_type("Application/JSON; charset=utf-8"));
  CHECK(is_json_content_type(" application/json ;charset=utf-8"));
  CHECK_FALSE(is_json_content_type("application/x-www-form-urlencoded"));
  CHECK_FALSE(is_json_content_type("application/jsonx"));
  CHECK_FALSE(is_json_content_type("text/json"));
  CHECK_FALSE(is_json_content_type(""));
}
