#include "api/directory_bodies.hpp"

#include <catch2/catch.hpp>

using namespace callrouter;
using namespace callrouter::api;

TEST_CASE("a user body sets the fields it names and refuses wrong types, sizes and shapes by name") {
  engine::TelephonyUser u;
  u.name = "kept";
  auto read = read_user_body(R"({"id":"u_sato","client":"sato.1","phone":"+815011112222","allow_outgoing":true,"groups":["sales"]})", u, true);
  REQUIRE(read);
  CHECK(u.id == "u_sato");
  CHECK(u.name == "kept");
  CHECK(u.client == "sato.1");
  CHECK(u.phone == "+815011112222");
  CHECK(u.allow_outgoing);
  CHECK(read->groups == std::vector<std::string>{"sales"});
  // null clears an optional text; no `groups` leaves membership alone.
  read = read_user_body(R"({"phone":null})", u, false);
  REQUIRE(read);
  CHECK(u.phone.empty());
  CHECK_FALSE(read->groups);

  auto error = [](std::string_view body, bool creating = false) {
    engine::TelephonyUser any;
    auto r = read_user_body(body, any, creating);
    return r ? std::string("accepted") : r.error();
  };
  CHECK(error(R"({"id":"u_x"})") == "field 'id': cannot be changed");
  CHECK(error(R"({"name":7})") == "field 'name': must be a string");
  CHECK(error(R"({"name":")" + std::string(201, 'a') + R"("})") == "field 'name': longer than 200 bytes");
  CHECK(error(R"({"client":"a b"})") == "field 'client': letters, digits, _ - . only");
  CHECK(error(R"({"phone":"0311112222"})") == "field 'phone': must be an E.164 number");
  CHECK(error(R"({"caller_id":"x"})") == "field 'caller_id': must be an E.164 number");
  CHECK(error(R"({"allow_outgoing":"yes"})") == "field 'allow_outgoing': must be true or false");
  CHECK(error(R"({"groups":["a",1]})") == "field 'groups': must be a list of group ids");
  CHECK(error(R"({"presence":"available"})") == "field 'presence': set it with PUT /v1/users/{id}/presence");
  CHECK(error(R"({"nickname":"s"})") == "field 'nickname': unknown field");
  CHECK(error(R"(["a"])") == "body must be a JSON object");
  CHECK(error("\xff") == "body must be a JSON object");
}

TEST_CASE("a group body sets name, wrap-up and the member order, each member once") {
  engine::TelephonyGroup g;
  REQUIRE(read_group_body(R"({"id":"sales","wrap_up_s":30,"members":["u_b","u_a"]})", g, true));
  CHECK(g.id == "sales");
  CHECK(g.wrap_up_s == 30);
  CHECK(g.members == std::vector<std::string>{"u_b", "u_a"});

  auto error = [](std::string_view body, bool creating = false) {
    engine::TelephonyGroup any;
    auto r = read_group_body(body, any, creating);
    return r ? std::string("accepted") : r.error();
  };
  CHECK(error(R"({"id":"other"})") == "field 'id': cannot be changed");
  CHECK(error(R"({"wrap_up_s":3601})") == "field 'wrap_up_s': must be 0..3600");
  CHECK(error(R"({"wrap_up_s":-1})") == "field 'wrap_up_s': must be 0..3600");
  CHECK(error(R"({"wrap_up_s":"30"})") == "field 'wrap_up_s': must be 0..3600");
  CHECK(error(R"({"members":["u_a","u_a"]})") == "field 'members': 'u_a' listed twice");
  CHECK(error(R"({"members":"u_a"})") == "field 'members': must be a list of user ids");
  CHECK(error(R"({"name":{}})") == "field 'name': must be a string");
  CHECK(error(R"({"strategy":"x"})") == "field 'strategy': unknown field");
}

TEST_CASE("an outbound call body needs `to`, may choose a caller ID, and has nothing else") {
  auto body = read_outbound_call_body(R"({"to":"+14155550100","caller_id":"+815012345678"})");
  REQUIRE(body);
  CHECK(body->to == "+14155550100");
  CHECK(body->caller_id == "+815012345678");
  body = read_outbound_call_body(R"({"to":"+14155550100","caller_id":null})");
  REQUIRE(body);
  CHECK(body->caller_id.empty());
  CHECK_FALSE(read_outbound_call_body(R"({"caller_id":"+815012345678"})"));
  CHECK_FALSE(read_outbound_call_body(R"({"to":14155550100})"));
  CHECK_FALSE(read_outbound_call_body("to=+14155550100"));
  auto extra = read_outbound_call_body(R"({"to":"+14155550100","record":true})");
  REQUIRE_FALSE(extra);
  CHECK(extra.error() == "field 'record': unknown field");
}
