#include "workflows/match.hpp"

#include <catch2/catch.hpp>
#include <simdjson.h>

using namespace callrouter;
using namespace callrouter::workflows;
using namespace std::chrono_literals;

namespace {

Workflow in_acme() {
  Workflow wf;
  wf.org_id = "acme";
  return wf;
}

const Timestamp t0 = *parse_rfc3339("2027-03-01T01:00:00Z");

Workflow rule(std::string id, std::string_view body) {
  auto parsed = parse_workflow(body, in_acme(), {Source::create, true});
  REQUIRE(parsed);
  parsed->workflow.id = std::move(id);
  return parsed->workflow;
}

events::Event event(std::string type, std::string_view direction, std::uint64_t seq = 7) {
  std::string data = R"({"sid":"CA1","direction":")" + std::string(direction) +
                     R"(","from":"+819012345678","to":"+815012345678","status":"completed","disposition":"missed",)"
                     R"("started_at":"2027-03-01T00:59:30Z","ended_at":"2027-03-01T01:00:00Z","duration_s":0})";
  return events::Event{"acme", seq, std::move(type), t0, "CA1", std::move(data)};
}

}  // namespace

TEST_CASE("workflows: an event fires the enabled rules of its trigger whose conditions hold", "[workflows]") {
  auto missed = rule("missed", R"({"id":"x","trigger":"missed_call","action":{"url":"http://127.0.0.1/h"}})");
  auto long_wait = rule("long_wait", R"({"id":"x","trigger":"missed_call","action":{"url":"http://127.0.0.1/h"},
      "conditions":{"rules":[{"field":"wait_s","op":"gte","value":60}]}})");
  auto ended = rule("ended", R"({"id":"x","trigger":"incoming_call_end","delay_s":30,"action":{"url":"http://127.0.0.1/h"}})");
  auto outgoing = rule("outgoing", R"({"id":"x","trigger":"outgoing_call_end","action":{"url":"http://127.0.0.1/h"}})");
  auto off = rule("off", R"({"id":"x","trigger":"missed_call","enabled":false,"action":{"url":"http://127.0.0.1/h"}})");
  std::vector<const Workflow*> rules{&missed, &long_wait, &ended, &outgoing, &off};

  auto fired = deliveries_for(event("call.missed", "inbound"), rules, t0 + 1s, {});
  REQUIRE(fired.size() == 1);
  CHECK(fired[0].workflow_id == "missed");
  CHECK(fired[0].event_seq == 7);
  CHECK(fired[0].status == DeliveryStatus::pending);
  CHECK(fired[0].next_attempt_at == t0 + 1s);
  CHECK(delivery_id(fired[0]) == "msg_acme_7_missed");

  auto end = deliveries_for(event("call.ended", "inbound"), rules, t0, {});
  REQUIRE(end.size() == 1);
  CHECK(end[0].workflow_id == "ended");
  CHECK(end[0].next_attempt_at == t0 + 30s);  // delay_s: due later, its retry window from then
  CHECK(end[0].window_start == t0 + 30s);

  CHECK(deliveries_for(event("call.ended", "outbound"), rules, t0, {})[0].workflow_id == "outgoing");
  CHECK(deliveries_for(event("queue.joined", "inbound"), rules, t0, {}).empty());
}

TEST_CASE("workflows: the webhook body is the Standard Webhooks shape around the call", "[workflows]") {
  auto missed = rule("missed", R"({"id":"x","trigger":"missed_call","action":{"url":"http://127.0.0.1/h"}})");
  auto e = event("call.missed", "inbound", 42);
  auto fired = deliveries_for(e, {&missed}, t0, {});
  REQUIRE(fired.size() == 1);
  CHECK(fired[0].trigger == Trigger::missed_call);
  const auto text = webhook_body(e, fired[0].trigger, fired[0].workflow_id);
  simdjson::dom::parser parser;
  simdjson::dom::object body;
  REQUIRE(parser.parse(text).get(body) == simdjson::SUCCESS);
  CHECK(std::string_view(body["type"]) == "call.missed");
  CHECK(std::string_view(body["timestamp"]) == "2027-03-01T01:00:00Z");
  CHECK(std::string_view(body["data"]["from"]) == "+819012345678");
  CHECK(std::string_view(body["trigger"]) == "missed_call");
  CHECK(std::string_view(body["event_id"]) == "ev_acme_42");
  CHECK(std::uint64_t(body["event_seq"]) == 42);
}

TEST_CASE("workflows: wait_s counts to the answer, or to the event when nobody answered", "[workflows]") {
  auto e = event("call.missed", "inbound");
  auto facts = read_call_facts(e);
  REQUIRE(facts);
  CHECK(facts->wait_s == 30);
  CHECK(facts->our_number == "+815012345678");
  CHECK(facts->other_number == "+819012345678");
  e.data = R"({"direction":"outbound","from":"client:sato","to":"+14155550100","caller_id":"+815012345678",)"
           R"("started_at":"2027-03-01T00:59:00Z","connected_at":"2027-03-01T00:59:12Z","duration_s":null})";
  facts = read_call_facts(e);
  REQUIRE(facts);
  CHECK(facts->wait_s == 12);
  CHECK(facts->our_number == "+815012345678");
  CHECK(facts->other_number == "+14155550100");
  CHECK_FALSE(facts->duration_s);
  e.data = "not json";
  CHECK_FALSE(read_call_facts(e));
}
