#include "workflows/trigger.hpp"

#include <catch2/catch.hpp>

using namespace callrouter::workflows;

TEST_CASE("workflows: each trigger comes from one event type and direction", "[workflows]") {
  CHECK(trigger_for("call.ringing", "inbound") == Trigger::incoming_call_ring);
  CHECK(trigger_for("call.ringing", "outbound") == Trigger::outgoing_call_ring);
  CHECK(trigger_for("call.answered", "inbound") == Trigger::incoming_call_start);
  CHECK(trigger_for("call.answered", "outbound") == Trigger::outgoing_call_start);
  CHECK(trigger_for("call.ended", "inbound") == Trigger::incoming_call_end);
  CHECK(trigger_for("call.ended", "outbound") == Trigger::outgoing_call_end);
  CHECK(trigger_for("call.missed", "inbound") == Trigger::missed_call);
  CHECK(trigger_for("call.voicemail", "inbound") == Trigger::voicemail_received);
  CHECK_FALSE(trigger_for("queue.joined", "inbound"));
  CHECK_FALSE(trigger_for("queue.abandoned", "inbound"));
  CHECK_FALSE(trigger_for("call.ringing", ""));
}

TEST_CASE("workflows: trigger names round-trip and map back to their event", "[workflows]") {
  for (auto t : {Trigger::incoming_call_ring, Trigger::incoming_call_start, Trigger::incoming_call_end,
                 Trigger::outgoing_call_ring, Trigger::outgoing_call_start, Trigger::outgoing_call_end,
                 Trigger::missed_call, Trigger::voicemail_received}) {
    CHECK(parse_trigger(trigger_name(t)) == t);
    CHECK(trigger_for(event_type_of(t), direction_of(t)) == t);
  }
  CHECK_FALSE(parse_trigger("missed"));
  CHECK_FALSE(parse_trigger(""));
}
