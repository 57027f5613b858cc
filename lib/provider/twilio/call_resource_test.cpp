#include "provider/twilio/call_resource.hpp"

#include <catch2/catch.hpp>

using namespace callrouter;

TEST_CASE("the provider's call resource reads as a status and a duration, checked") {
  auto ended = twilio::read_call_resource(R"({"sid":"CA1","status":"completed","duration":"42","price":null})");
  REQUIRE(ended);
  CHECK(ended->status == "completed");
  CHECK(ended->duration_s == 42);
  auto live = twilio::read_call_resource(R"({"sid":"CA1","status":"in-progress","duration":null})");
  REQUIRE(live);
  CHECK_FALSE(live->duration_s);
  CHECK_FALSE(twilio::read_call_resource(R"({"status":"pwned"})"));
  CHECK_FALSE(twilio::read_call_resource(R"({"status":"completed","duration":"-3"})"));
  CHECK_FALSE(twilio::read_call_resource(R"({"status":"completed","duration":42})"));
  CHECK_FALSE(twilio::read_call_resource("<html>"));

  auto request = twilio::fetch_call_request("http://127.0.0.1:9", "AC1", "token", "CA9");
  CHECK(request.method == "GET");
  CHECK(request.url.ends_with("/2010-04-01/Accounts/AC1/Calls/CA9.json"));
  CHECK(request.body.empty());
}
