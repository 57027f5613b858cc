#include "workflows/workflow.hpp"

#include <catch2/catch.hpp>

#include "common/json_writer.hpp"

using namespace callrouter;
using namespace callrouter::workflows;

namespace {

Workflow in_acme() {
  Workflow wf;
  wf.org_id = "acme";
  return wf;
}

constexpr auto kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

std::string error_of(std::string_view body, Source source = Source::create, bool allow_private = false) {
  auto parsed = parse_workflow(body, in_acme(), {source, allow_private});
  REQUIRE_FALSE(parsed);
  return parsed.error();
}

}  // namespace

TEST_CASE("workflows: a rule parses, shows no secret, and round-trips through its record", "[workflows]") {
  const std::string body = std::string(R"({"id":"missed_to_task","name":"Missed → task","trigger":"missed_call",)") +
                           R"("conditions":{"match":"all","rules":[{"field":"wait_s","op":"gte","value":10}]},)" +
                           R"("action":{"type":"webhook","url":"https://crm.example/hooks","secret":")" + kSecret +
                           R"("},"delay_s":60})";
  auto parsed = parse_workflow(body, in_acme(), {});
  REQUIRE(parsed);
  const auto& wf = parsed->workflow;
  CHECK_FALSE(parsed->secret_generated);
  CHECK(wf.trigger == Trigger::missed_call);
  CHECK(wf.delay_s == 60);
  CHECK(wf.enabled);
  JsonWriter w;
  write_workflow(w, wf);
  CHECK(w.str().find("whsec_") == std::string::npos);
  CHECK(w.str().find(R"("action":{"type":"webhook","url":"https://crm.example/hooks"})") != std::string::npos);
  auto back = parse_workflow(stored_json(wf), {}, {Source::stored, false});
  REQUIRE(back);
  CHECK(stored_json(back->workflow) == stored_json(wf));
  CHECK(back->workflow.action.secret == kSecret);
}

TEST_CASE("workflows: a rule without a secret gets one; an update keeps what it does not name", "[workflows]") {
  auto created = parse_workflow(R"({"id":"a","trigger":"incoming_call_ring","action":{"url":"https://crm.example/h"}})",
                                in_acme(), {});
  REQUIRE(created);
  CHECK(created->secret_generated);
  CHECK(created->workflow.action.secret.starts_with("whsec_"));
  auto updated = parse_workflow(R"({"enabled":false,"action":{"url":"https://crm.example/other"}})", created->workflow,
                                {Source::update, false});
  REQUIRE(updated);
  CHECK_FALSE(updated->secret_generated);
  CHECK(updated->workflow.action.secret == created->workflow.action.secret);
  CHECK(updated->workflow.action.url == "https://crm.example/other");
  CHECK_FALSE(updated->workflow.enabled);
  CHECK(updated->workflow.trigger == Trigger::incoming_call_ring);
}

TEST_CASE("workflows: enabling a rule the daemon disabled clears the reason", "[workflows]") {
  auto created = parse_workflow(R"({"id":"a","trigger":"missed_call","action":{"url":"https://crm.example/h"}})",
                                in_acme(), {});
  REQUIRE(created);
  auto wf = created->workflow;
  wf.enabled = false;
  wf.disabled_reason = "410";
  auto enabled = parse_workflow(R"({"enabled":true})", wf, {Source::update, false});
  REQUIRE(enabled);
  CHECK(enabled->workflow.enabled);
  CHECK(enabled->workflow.disabled_reason.empty());
}

TEST_CASE("workflows: bad rules are refused naming the field", "[workflows]") {
  CHECK(error_of("[1]") == "body must be a JSON object");
  CHECK(error_of(R"({"trigger":"missed_call","action":{"url":"https://crm.example/h"}})") == "field 'id': is required");
  CHECK(error_of(R"({"id":"A B","trigger":"missed_call"})") == "field 'id': must match [a-z0-9_-]{1,64}");
  CHECK(error_of(R"({"id":"a","action":{"url":"https://crm.example/h"}})") == "field 'trigger': is required");
  CHECK(error_of(R"({"id":"a","trigger":"missed"})").starts_with("field 'trigger': must be one of"));
  CHECK(error_of(R"({"id":"a","trigger":"missed_call"})") == "field 'action.url': is required");
  CHECK(error_of(R"({"id":"a","trigger":"missed_call","action":{"type":"email","url":"https://crm.example/h"}})") ==
        "field 'action.type': must be \"webhook\"");
  CHECK(error_of(R"({"id":"a","trigger":"missed_call","action":{"url":"http://127.0.0.1:9/h"}})").starts_with(
      "field 'action.url': points at a loopback"));
  CHECK(error_of(R"({"id":"a","trigger":"missed_call","action":{"url":"https://crm.example/h","secret":"hunter2"}})")
            .starts_with("field 'action.secret': must be \"whsec_\""));
  CHECK(error_of(R"({"id":"a","trigger":"missed_call","delay_s":-1,"action":{"url":"https://crm.example/h"}})") ==
        "field 'delay_s': must be an integer 0..604800");
  CHECK(error_of(R"({"id":"a","trigger":"missed_call","colour":"red"})") == "field 'colour': unknown field");
  CHECK(error_of(R"({"id":"b"})", Source::update) == "field 'id': cannot be changed");
  // What only the journal may say is unknown to the API.
  CHECK(error_of(R"({"org_id":"other"})", Source::update) == "field 'org_id': unknown field");
}
