#include "history/history_call.hpp"

#include <catch2/catch.hpp>

#include "common/json_writer.hpp"

using namespace callrouter;
using namespace callrouter::history;

namespace {

const std::string kAnswered =
    R"({"sid":"CA1","direction":"inbound","from":"+819012345678","to":"+815012345678","status":"completed",)"
    R"("disposition":"answered","user_id":"u_sato","group_id":"sales","flow_id":"main",)"
    R"("started_at":"2026-12-01T00:00:00Z","answered_at":"2026-12-01T00:00:01Z",)"
    R"("connected_at":"2026-12-01T00:00:40Z","ended_at":"2026-12-01T00:02:10Z","duration_s":130,"charge_micro":30000})";

Timestamp at(const char* rfc3339) { return *parse_rfc3339(rfc3339); }

}  // namespace

TEST_CASE("history call: queue wait is every stretch in a queue; talk time runs from the answer") {
  const TimedFact facts[] = {
      {CallFact::queue_joined, at("2026-12-01T00:00:05Z")},
      {CallFact::queue_left, at("2026-12-01T00:00:25Z")},  // moved to an agent who did not pick up
      {CallFact::queue_joined, at("2026-12-01T00:00:30Z")},
      {CallFact::queue_left, at("2026-12-01T00:00:38Z")},
      {CallFact::answered, at("2026-12-01T00:00:40Z")},
  };
  auto call = read_history_call(kAnswered, facts);
  REQUIRE(call);
  CHECK(call->queue_wait_s == 28);
  CHECK(call->talk_s == 90);
  CHECK(call->outcome == Outcome::answered);
  CHECK(call->our_number() == "+815012345678");
  CHECK(call->their_number() == "+819012345678");
  CHECK(call->group_id == "sales");
}

TEST_CASE("history call: a caller who hangs up in the queue abandoned, and waited until then") {
  const std::string data =
      R"({"sid":"CA2","direction":"inbound","from":"+819012345678","to":"+815012345678","status":"completed",)"
      R"("disposition":"answered","user_id":null,"flow_id":"main","started_at":"2026-12-01T00:00:00Z",)"
      R"("answered_at":"2026-12-01T00:00:01Z","connected_at":null,"ended_at":"2026-12-01T00:01:00Z","duration_s":60})";
  const TimedFact facts[] = {{CallFact::queue_joined, at("2026-12-01T00:00:10Z")},
                             {CallFact::queue_abandoned, at("2026-12-01T00:01:00Z")},
                             {CallFact::missed, at("2026-12-01T00:01:00Z")}};
  auto call = read_history_call(data, facts);
  REQUIRE(call);
  CHECK(call->outcome == Outcome::abandoned);
  CHECK(call->queue_wait_s == 50);
  CHECK_FALSE(call->talk_s);
  // Without the queue facts (a flow that only played): missed, even though disposition says answered.
  const TimedFact missed[] = {{CallFact::missed, at("2026-12-01T00:01:00Z")}};
  CHECK(read_history_call(data, missed)->outcome == Outcome::missed);
}

TEST_CASE("history call: a live call has no outcome; outbound numbers come from the caller id") {
  const std::string data =
      R"({"sid":"CA3","direction":"outbound","from":"client:sato","to":"+14155550100","status":"ringing",)"
      R"("disposition":null,"user_id":"u_sato","flow_id":null,"started_at":"2026-12-01T00:00:00Z",)"
      R"("answered_at":null,"connected_at":null,"ended_at":null,"duration_s":null,"charge_micro":0,)"
      R"("caller_id":"+815012345678","time_limit_s":3600})";
  auto call = read_history_call(data, {});
  REQUIRE(call);
  CHECK_FALSE(call->outcome);
  CHECK(call->our_number() == "+815012345678");
  CHECK(call->their_number() == "+14155550100");
  JsonWriter w;
  w.begin_object();
  write_history_call(w, *call);
  w.end_object();
  CHECK(w.str().find(R"("outcome":null,"missed":false,"queue_wait_s":0,"talk_s":null)") != std::string::npos);
}

TEST_CASE("history call: garbage is an error, not a row") {
  CHECK_FALSE(read_history_call("", {}));
  CHECK_FALSE(read_history_call("[1]", {}));
  CHECK_FALSE(read_history_call(R"({"sid":"CA1"})", {}));  // no started_at
  CHECK(fact_of_event("queue.abandoned") == CallFact::queue_abandoned);
  CHECK_FALSE(fact_of_event("call.ended"));
}

TEST_CASE("history call: the call's audio figures are carried into the log's row") {
  std::string data = kAnswered;
  data.insert(data.size() - 1,
              R"(,"audio":{"talk_s":{"caller":30.500,"agent":20.000},"silence_s":9.000,"talk_over_s":1.000,)"
              R"("longest_silence_s":4.000,"analysed_s":88.500})");
  auto call = read_history_call(data, {});
  REQUIRE(call);
  JsonWriter w;
  w.begin_object();
  write_history_call(w, *call);
  w.end_object();
  CHECK(w.str().find(R"("audio":{"talk_s":{"caller":30.5,"agent":20.0},"silence_s":9.0,)") != std::string::npos);
  CHECK(read_history_call(kAnswered, {})->audio.empty());
}
