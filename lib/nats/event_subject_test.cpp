#include "nats/event_subject.hpp"

#include <catch2/catch.hpp>

using namespace callrouter::nats;

TEST_CASE("an event's subject names its org and type under the stream's subjects") {
  CHECK(event_subject("demo", "call.ended") == "callrouter.events.demo.call.ended");
  CHECK(event_subject("acme-2", "queue.joined") == "callrouter.events.acme-2.queue.joined");
  CHECK(kStreamSubjects == "callrouter.events.>");  // the stream takes every org's every type
  CHECK(kStreamName == "CALLROUTER_EVENTS");
}

TEST_CASE("a Msg-Id is org:seq and reads back; garbage does not") {
  CHECK(event_msg_id("demo", 1042) == "demo:1042");
  auto back = parse_event_msg_id(event_msg_id("acme_2", 18446744073709551615ull));
  REQUIRE(back);
  CHECK(back->first == "acme_2");
  CHECK(back->second == 18446744073709551615ull);
  for (const char* bad : {"", "demo", "demo:", ":12", "demo:0", "demo:12x", "demo:-1", "demo:184467440737095516160"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_event_msg_id(bad));
  }
}
