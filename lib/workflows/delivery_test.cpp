#include "workflows/delivery.hpp"

#include <catch2/catch.hpp>

using namespace callrouter;
using namespace callrouter::workflows;
using namespace std::chrono_literals;

TEST_CASE("workflows: delivery ids name the org, the event and the rule, and parse back", "[workflows]") {
  CHECK(delivery_id("my_org", 12, "missed_to_task") == "msg_my_org_12_missed_to_task");
  auto ref = parse_delivery_id("my_org", "msg_my_org_12_missed_to_task");
  REQUIRE(ref);
  CHECK(ref->event_seq == 12);
  CHECK(ref->workflow_id == "missed_to_task");
  CHECK_FALSE(parse_delivery_id("other", "msg_my_org_12_missed_to_task"));
  CHECK_FALSE(parse_delivery_id("my_org", "msg_my_org_x_missed"));
  CHECK_FALSE(parse_delivery_id("my_org", "msg_my_org_12_"));
  CHECK_FALSE(parse_delivery_id("my_org", "msg_my_org_12"));
}

TEST_CASE("workflows: a stored delivery reads back as it was", "[workflows]") {
  const Timestamp t0 = Timestamp{} + 1'800'000'000s;
  Delivery d;
  d.org_id = "acme";
  d.workflow_id = "w1";
  d.event_seq = 9;
  d.event_type = "call.ended";
  d.call_sid = "CA1";
  d.status = DeliveryStatus::dead;
  d.attempts = 17;
  d.attempts_before_window = 3;
  d.created_at = t0;
  d.next_attempt_at = t0 + 5s;
  d.window_start = t0 + 1s;
  d.last_attempt_at = t0 + 4s;
  d.last_status = 503;
  d.last_error = "HTTP 503: busy";
  d.trigger = Trigger::incoming_call_end;
  auto back = delivery_from_json(stored_json(d));
  REQUIRE(back);
  CHECK(stored_json(*back) == stored_json(d));
  CHECK_FALSE(delivery_from_json("{}"));
}
