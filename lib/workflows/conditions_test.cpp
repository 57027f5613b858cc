#include "workflows/conditions.hpp"

#include <catch2/catch.hpp>

#include "common/json_writer.hpp"

using namespace callrouter;
using namespace callrouter::workflows;
using namespace std::chrono_literals;

namespace {

Expected<Conditions> parse(std::string_view json) {
  static simdjson::dom::parser parser;
  simdjson::dom::element e;
  REQUIRE(parser.parse(json.data(), json.size()).get(e) == simdjson::SUCCESS);
  return parse_conditions(e);
}

CallFacts missed_call() {
  CallFacts f;
  f.direction = "inbound";
  f.our_number = "+815012345678";
  f.other_number = "+819012345678";
  f.flow_id = "main";
  f.disposition = "missed";
  f.duration_s = 0;
  f.wait_s = 25;
  // Monday 2027-03-01 10:00 in Tokyo (01:00Z)
  f.at = *parse_rfc3339("2027-03-01T01:00:00Z");
  return f;
}

bool check(std::string_view json, const CallFacts& facts, const MemberOf& member_of = {}) {
  auto c = parse(json);
  REQUIRE(c);
  return matches(*c, facts, member_of);
}

}  // namespace

TEST_CASE("workflows: no conditions match every call", "[workflows]") {
  CHECK(check("null", missed_call()));
  CHECK(check(R"({"match":"any","rules":[]})", missed_call()));
}

TEST_CASE("workflows: text fields compare by eq, ne, in, not_in and prefix", "[workflows]") {
  const auto f = missed_call();
  CHECK(check(R"({"rules":[{"field":"direction","op":"eq","value":"inbound"}]})", f));
  CHECK_FALSE(check(R"({"rules":[{"field":"direction","op":"eq","value":"outbound"}]})", f));
  CHECK(check(R"({"rules":[{"field":"caller","op":"prefix","value":"+8190"}]})", f));
  CHECK_FALSE(check(R"({"rules":[{"field":"caller","op":"prefix","value":"+1"}]})", f));
  CHECK(check(R"({"rules":[{"field":"number","op":"in","value":["+815012345678","+815000000000"]}]})", f));
  CHECK(check(R"({"rules":[{"field":"flow","op":"not_in","value":["other"]}]})", f));
  CHECK(check(R"({"rules":[{"field":"disposition","op":"ne","value":"answered"}]})", f));
  CHECK_FALSE(check(R"({"rules":[{"field":"user","op":"eq","value":"u_sato"}]})", f));
}

TEST_CASE("workflows: numbers compare, and a live call's missing duration equals nothing", "[workflows]") {
  auto f = missed_call();
  CHECK(check(R"({"rules":[{"field":"wait_s","op":"gte","value":25}]})", f));
  CHECK_FALSE(check(R"({"rules":[{"field":"wait_s","op":"gt","value":25}]})", f));
  CHECK(check(R"({"rules":[{"field":"duration_s","op":"lt","value":30}]})", f));
  f.duration_s.reset();
  CHECK_FALSE(check(R"({"rules":[{"field":"duration_s","op":"lt","value":30}]})", f));
  CHECK(check(R"({"rules":[{"field":"duration_s","op":"ne","value":30}]})", f));
}

TEST_CASE("workflows: group asks the directory about the call's user", "[workflows]") {
  auto f = missed_call();
  MemberOf sales = [](std::string_view user, std::string_view group) { return user == "u_sato" && group == "sales"; };
  const auto rule = R"({"rules":[{"field":"group","op":"eq","value":"sales"}]})";
  CHECK_FALSE(check(rule, f, sales));  // nobody took it
  f.user_id = "u_sato";
  CHECK(check(rule, f, sales));
  f.user_id = "u_kato";
  CHECK_FALSE(check(rule, f, sales));
  CHECK(check(R"({"rules":[{"field":"group","op":"ne","value":"sales"}]})", f, sales));
}

TEST_CASE("workflows: business hours use the flow's core at the event's time", "[workflows]") {
  auto f = missed_call();
  const auto open = R"({"rules":[{"field":"business_hours","op":"eq","value":"open",
      "hours":{"timezone":"Asia/Tokyo","weekly":{"mon":[["09:00","18:00"]]}}}]})";
  const auto closed = R"({"rules":[{"field":"business_hours","op":"eq","value":"closed",
      "hours":{"timezone":"Asia/Tokyo","weekly":{"mon":[["09:00","18:00"]]}}}]})";
  CHECK(check(open, f));
  CHECK_FALSE(check(closed, f));
  f.at += 9h;  // 19:00 in Tokyo
  CHECK_FALSE(check(open, f));
  CHECK(check(closed, f));
}

TEST_CASE("workflows: all needs every rule, any needs one", "[workflows]") {
  const auto f = missed_call();
  const auto rules = R"("rules":[{"field":"direction","op":"eq","value":"inbound"},
                                 {"field":"wait_s","op":"gt","value":100}])";
  CHECK_FALSE(check(std::string("{\"match\":\"all\",") + rules + "}", f));
  CHECK(check(std::string("{\"match\":\"any\",") + rules + "}", f));
}

TEST_CASE("workflows: bad conditions are refused naming the field", "[workflows]") {
  auto error = [](std::string_view json) {
    auto c = parse(json);
    REQUIRE_FALSE(c);
    return c.error();
  };
  CHECK(error(R"([])") == "field 'conditions': must be an object {\"match\", \"rules\"}");
  CHECK(error(R"({"match":"some"})") == "field 'conditions.match': must be \"all\" or \"any\"");
  CHECK(error(R"({"rules":[{"field":"colour","op":"eq","value":"x"}]})").starts_with("field 'conditions.rules[0].field': must be one of"));
  CHECK(error(R"({"rules":[{"field":"wait_s","op":"prefix","value":1}]})") ==
        "field 'conditions.rules[0].op': for 'wait_s' must be one of eq, ne, gt, gte, lt, lte");
  CHECK(error(R"({"rules":[{"field":"direction","op":"eq","value":"up"}]})") ==
        "field 'conditions.rules[0].value': must be \"inbound\" or \"outbound\"");
  CHECK(error(R"({"rules":[{"field":"duration_s","op":"gte","value":"30"}]})") ==
        "field 'conditions.rules[0].value': must be an integer ≥ 0");
  CHECK(error(R"({"rules":[{"field":"user","op":"in","value":[]}]})") ==
        "field 'conditions.rules[0].value': must list 1 to 100 values");
  CHECK(error(R"({"rules":[{"field":"user","op":"eq","value":"u","extra":1}]})") ==
        "field 'conditions.rules[0].extra': unknown field");
  CHECK(error(R"({"rules":[{"field":"business_hours","op":"eq","value":"open"}]})").starts_with(
      "field 'conditions.rules[0].hours': is required"));
  CHECK(error(R"({"rules":[{"field":"business_hours","op":"eq","value":"open","hours":{"timezone":"Mars/Base","weekly":{}}}]})") ==
        "field 'conditions.rules[0].hours.timezone': unknown time zone 'Mars/Base'");
}

TEST_CASE("workflows: conditions are written back as they were given", "[workflows]") {
  const std::string json =
      R"({"match":"any","rules":[{"field":"caller","op":"in","value":["+1","+81"]},{"field":"duration_s","op":"gte","value":30},)"
      R"({"field":"business_hours","op":"eq","value":"closed","hours":{"timezone":"UTC","weekly":{}}}]})";
  auto c = parse(json);
  REQUIRE(c);
  JsonWriter w;
  write_conditions(w, *c);
  CHECK(w.str() == json);
}
