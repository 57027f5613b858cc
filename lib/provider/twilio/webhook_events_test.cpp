#include "provider/twilio/webhook_events.hpp"

#include <catch2/catch.hpp>

#include <deque>

using namespace callrouter;

namespace {

// The readers return views into the webhook, so each one made here lives to the end of the run.
const twilio::VerifiedWebhook& webhook(std::string_view body, std::string_view query = {}) {
  static const engine::Org org{};
  static std::deque<twilio::VerifiedWebhook> kept;
  auto form = twilio::parse_form(body);
  auto q = twilio::parse_form(query);
  REQUIRE(form);
  REQUIRE(q);
  return kept.emplace_back(twilio::VerifiedWebhook{&org, std::move(*form), std::move(*q), {}});
}

}  // namespace

TEST_CASE("a voice webhook reads as a call that arrived") {
  auto w = webhook("CallSid=CA1&From=%2B819012345678&To=%2B815012345678&CallStatus=ringing&FromCountry=JP");
  auto call = twilio::read_call_arrived(w);
  REQUIRE(call);
  CHECK(call->call_sid == "CA1");
  CHECK(call->from == "+819012345678");
  CHECK(call->to == "+815012345678");
  CHECK(call->status == "ringing");
  CHECK(call->from_country == "JP");
  CHECK(twilio::read_call_arrived(webhook("CallSid=CA1&From=x&To=y"))->status == "ringing");
  CHECK(twilio::read_call_arrived(webhook("From=x&To=y")).error() == "CallSid, From and To are required");
  CHECK_FALSE(twilio::read_call_arrived(webhook("CallSid=&From=x&To=y")));
}

TEST_CASE("status callbacks read sequence, time and duration, and refuse a bad sequence") {
  auto w = webhook("CallSid=CA1&CallStatus=completed&Direction=outbound-api&SequenceNumber=3&CallDuration=42"
                   "&Timestamp=Mon%2C+23+Nov+2026+12%3A00%3A03+%2B0000");
  auto cb = twilio::read_status(w);
  REQUIRE(cb);
  CHECK(cb->status == "completed");
  CHECK(cb->direction == "outbound-api");
  CHECK(cb->sequence == 3u);
  CHECK(cb->call_duration_s == 42);
  CHECK(cb->timestamp.has_value());
  CHECK(twilio::read_status(webhook("CallSid=CA1&CallStatus=ringing"))->direction == "inbound");
  CHECK(twilio::read_status(webhook("CallSid=CA1&CallStatus=ringing&SequenceNumber=-1")).error() ==
        "SequenceNumber must be a non-negative integer");
  CHECK_FALSE(twilio::read_status(webhook("CallSid=CA1&CallStatus=")));
  // Only a leg we dialled for an agent (our URL names them) is an agent leg.
  CHECK_FALSE(twilio::read_agent_leg(w));
  auto leg = twilio::read_agent_leg(
      webhook("CallSid=CA2&ParentCallSid=CA1&CallStatus=completed&CallDuration=30", "agent=u_sato"));
  REQUIRE(leg);
  CHECK(leg->user_id == "u_sato");
  CHECK(leg->parent_sid == "CA1");
  CHECK(leg->leg_sid == "CA2");
  CHECK(leg->duration_s == 30);
  CHECK_FALSE(twilio::read_agent_leg(webhook("CallSid=CA2&CallStatus=completed", "agent=u_sato")));
}

TEST_CASE("flow callbacks carry our URL's state and the provider's result") {
  auto gather = twilio::read_flow_callback(flow::Callback::gather,
                                           webhook("CallSid=CA1&Digits=12&SpeechResult=sales", "state=menu&attempt=2&visit=5"));
  REQUIRE(gather);
  CHECK(gather->state_id == "menu");
  CHECK(gather->attempt == 2);
  CHECK(gather->visit == 5);
  CHECK(gather->event.kind == flow::EventKind::gather);
  CHECK(gather->event.digits == "12");
  CHECK(gather->event.speech == "sales");

  auto dial = twilio::read_flow_callback(
      flow::Callback::dial, webhook("CallSid=CA1&DialCallStatus=completed&DialCallSid=CA9&DialCallDuration=61", "state=fwd"));
  REQUIRE(dial);
  CHECK(dial->event.outcome == "completed");
  CHECK(dial->dial_leg_sid == "CA9");
  CHECK(dial->dial_duration_s == 61);
  CHECK(dial->visit == -1);
  CHECK(twilio::read_flow_callback(flow::Callback::dial, webhook("CallSid=CA1", "state=fwd"))->event.outcome == "failed");

  auto queue = twilio::read_flow_callback(flow::Callback::queue_result,
                                          webhook("CallSid=CA1&QueueResult=redirected", "state=sales"));
  REQUIRE(queue);
  CHECK(queue->redirected_from_queue());
  auto wait = twilio::read_flow_callback(flow::Callback::queue_wait, webhook("CallSid=CA1&QueueTime=35", "state=sales"));
  CHECK(wait->queue_time_s == 35);
  CHECK_FALSE(wait->redirected_from_queue());

  auto action = twilio::read_flow_callback(flow::Callback::recording,
                                           webhook("CallSid=CA1&RecordingUrl=https%3A%2F%2Fapi%2Fr", "state=vm"));
  CHECK(action->event.outcome == "https://api/r");
  CHECK_FALSE(action->recording);  // the Record's action, not a status report
  auto report = twilio::read_flow_callback(
      flow::Callback::recording, webhook("CallSid=CA1&RecordingSid=RE1&RecordingStatus=completed&RecordingDuration=9", "state=vm"));
  REQUIRE(report->recording);
  CHECK(report->recording->recording_sid == "RE1");
  CHECK(report->recording->duration_s == 9);

  CHECK_FALSE(twilio::read_flow_callback(flow::Callback::gather, webhook("Digits=1", "state=menu")));
  CHECK(twilio::read_flow_callback(flow::Callback::gather, webhook("CallSid=CA1"))->state_id.empty());
}

TEST_CASE("recording status, caller-ID verification and redirect fetches") {
  auto rec = twilio::read_recording_status(webhook("CallSid=CA1&RecordingSid=RE1&RecordingStatus=completed"));
  REQUIRE(rec);
  CHECK(rec->recording.status == "completed");
  CHECK_FALSE(rec->recording.duration_s);  // not reported: not counted
  CHECK_FALSE(twilio::read_recording_status(webhook("CallSid=CA1")));

  auto verified = twilio::read_caller_id(webhook("VerificationStatus=success&PhoneNumber=%2B14155550100", "user=u_sato"));
  REQUIRE(verified);
  CHECK(verified->user_id == "u_sato");
  CHECK(verified->number == "+14155550100");
  CHECK(verified->success);
  CHECK(twilio::read_caller_id(webhook("VerificationStatus=failed&To=%2B14155550100"))->number == "+14155550100");
  CHECK_FALSE(twilio::read_caller_id(webhook("VerificationStatus=pending&PhoneNumber=%2B1")));

  auto fetch = twilio::read_redirect_fetch(webhook("CallSid=CA1", "state=sales&visit=4"));
  REQUIRE(fetch);
  CHECK(fetch->visit == 4);
  CHECK_FALSE(twilio::read_redirect_fetch(webhook("CallSid=CA1", "state=sales")));
}

TEST_CASE("only the provider's documented statuses and durations in range are accepted") {
  CHECK(twilio::read_status(webhook("CallSid=CA1&CallStatus=pwned%3Cscript%3E")).error() ==
        "CallStatus is not one the provider documents");
  CHECK_FALSE(twilio::read_call_arrived(webhook("CallSid=CA1&From=x&To=y&CallStatus=Ringing")));
  for (auto status : {"queued", "initiated", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled"}) {
    CHECK(twilio::read_status(webhook(std::string("CallSid=CA1&CallStatus=") + status)));
  }
  const auto duration_error = "CallDuration must be whole seconds from 0 to 86400";
  CHECK(twilio::read_status(webhook("CallSid=CA1&CallStatus=completed&CallDuration=-600")).error() == duration_error);
  CHECK(twilio::read_status(webhook("CallSid=CA1&CallStatus=completed&CallDuration=9223372036854775807")).error() ==
        duration_error);
  CHECK(twilio::read_status(webhook("CallSid=CA1&CallStatus=completed&CallDuration=86401")).error() == duration_error);
  CHECK(twilio::read_status(webhook("CallSid=CA1&CallStatus=completed&CallDuration=4x")).error() == duration_error);
  CHECK(twilio::read_status(webhook("CallSid=CA1&CallStatus=completed&CallDuration=")).error() == duration_error);
  CHECK(twilio::read_status(webhook("CallSid=CA1&CallStatus=completed&CallDuration=86400"))->call_duration_s == 86400);
  CHECK(twilio::read_status(webhook("CallSid=CA1&CallStatus=completed&CallDuration=0"))->call_duration_s == 0);

  CHECK(twilio::read_flow_callback(flow::Callback::dial, webhook("CallSid=CA1&DialCallStatus=bridged", "state=fwd")).error() ==
        "DialCallStatus is not one the provider documents");
  CHECK_FALSE(twilio::read_flow_callback(flow::Callback::dial,
                                         webhook("CallSid=CA1&DialCallStatus=completed&DialCallDuration=-1", "state=fwd")));
  CHECK_FALSE(twilio::read_flow_callback(flow::Callback::queue_result, webhook("CallSid=CA1&QueueResult=ok", "state=q")));
  CHECK_FALSE(twilio::read_flow_callback(flow::Callback::queue_wait, webhook("CallSid=CA1&QueueTime=-5", "state=q")));
  CHECK_FALSE(twilio::read_flow_callback(flow::Callback::recording,
                                         webhook("CallSid=CA1&RecordingSid=RE1&RecordingStatus=done", "state=vm")));
  CHECK(twilio::read_recording_status(webhook("CallSid=CA1&RecordingSid=RE1&RecordingStatus=completed&RecordingDuration=x"))
            .error() == "RecordingDuration must be whole seconds from 0 to 86400");
  CHECK_FALSE(twilio::read_recording_status(webhook("CallSid=CA1&RecordingSid=RE1&RecordingStatus=pwned")));
}
