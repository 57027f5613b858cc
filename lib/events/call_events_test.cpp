#include "events/call_events.hpp"

#include <catch2/catch.hpp>

using namespace callrouter;
using namespace std::chrono_literals;

namespace {

const Timestamp t0 = Timestamp{} + 1'800'000'000s;

engine::CallRecord inbound() {
  engine::CallRecord r;
  r.sid = "CA1";
  r.org_id = "acme";
  r.direction = "inbound";
  r.from = "+819012345678";
  r.to = "+815012345678";
  r.status = "ringing";
  r.started_at = t0;
  return r;
}

std::vector<std::string> types(const std::vector<events::Event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.type);
  return out;
}

}  // namespace

TEST_CASE("a call's life makes ringing, queue, answered and ended events once each") {
  auto ringing = inbound();
  auto first = events::call_events(nullptr, ringing, t0);
  REQUIRE(types(first) == std::vector<std::string>{"call.ringing"});
  CHECK(first[0].org_id == "acme");
  CHECK(first[0].call_sid == "CA1");
  CHECK(first[0].seq == 0);
  CHECK(first[0].at == t0);
  CHECK(first[0].data.find(R"("from":"+819012345678")") != std::string::npos);

  auto queued = ringing;
  queued.flow_state = "sales";
  queued.flow_waiting = "queue";
  auto joined = events::call_events(&ringing, queued, t0 + 5s);
  REQUIRE(types(joined) == std::vector<std::string>{"queue.joined"});
  CHECK(joined[0].at == t0 + 5s);
  CHECK(joined[0].data.find(R"("queue_state":"sales")") != std::string::npos);
  CHECK(events::call_events(&queued, queued, t0 + 6s).empty());  // a repeated write says nothing new

  auto taken = queued;
  taken.flow_waiting = "dial";
  taken.user_id = "u_sato";
  taken.answered_at = t0 + 1s;
  taken.connected_at = t0 + 20s;
  auto answered = events::call_events(&queued, taken, t0 + 20s);
  CHECK(types(answered) == std::vector<std::string>{"call.answered", "queue.left"});
  CHECK(answered[0].at == t0 + 20s);

  auto ended = taken;
  ended.status = "completed";
  ended.disposition = "answered";
  ended.ended_at = t0 + 80s;
  auto last = events::call_events(&taken, ended, t0 + 80s);
  REQUIRE(types(last) == std::vector<std::string>{"call.ended"});
  CHECK(last[0].at == t0 + 80s);
  // A charge written after the end is not a second end.
  auto charged = ended;
  charged.charge_micro = 120000;
  CHECK(events::call_events(&ended, charged, t0 + 81s).empty());
}

TEST_CASE("missed, abandoned and voicemail calls are named as such") {
  auto ringing = inbound();
  auto missed = ringing;
  missed.status = "no-answer";
  missed.disposition = "missed";
  missed.ended_at = t0 + 30s;
  CHECK(types(events::call_events(&ringing, missed, t0 + 30s)) == std::vector<std::string>{"call.missed", "call.ended"});

  // The provider answered (a flow played) but nobody took the call: missed all the same.
  auto played = ringing;
  played.answered_at = t0 + 1s;
  auto hung_up = played;
  hung_up.status = "completed";
  hung_up.disposition = "answered";
  hung_up.ended_at = t0 + 40s;
  CHECK(types(events::call_events(&played, hung_up, t0 + 40s)) == std::vector<std::string>{"call.missed", "call.ended"});

  auto queued = played;
  queued.flow_waiting = "queue";
  queued.flow_state = "sales";
  auto abandoned = queued;
  abandoned.flow_waiting = "";
  abandoned.disposition = "abandoned";
  CHECK(types(events::call_events(&queued, abandoned, t0 + 40s)) == std::vector<std::string>{"queue.abandoned"});
  // The hang-up reported before the queue result is the same abandonment, said once.
  auto ended_in_queue = queued;
  ended_in_queue.status = "completed";
  ended_in_queue.ended_at = t0 + 41s;
  CHECK(types(events::call_events(&queued, ended_in_queue, t0 + 41s)) ==
        std::vector<std::string>{"queue.abandoned", "call.missed", "call.ended"});
  auto late_result = ended_in_queue;
  late_result.flow_waiting = "";
  CHECK(events::call_events(&ended_in_queue, late_result, t0 + 42s).empty());

  auto voicemail = played;
  voicemail.disposition = "voicemail";
  CHECK(types(events::call_events(&played, voicemail, t0 + 50s)) == std::vector<std::string>{"call.voicemail"});
  auto after_voicemail = voicemail;
  after_voicemail.status = "completed";
  CHECK(types(events::call_events(&voicemail, after_voicemail, t0 + 60s)) == std::vector<std::string>{"call.ended"});

  auto rejected = inbound();
  rejected.status = "busy";
  rejected.disposition = "rejected";
  CHECK(types(events::call_events(nullptr, rejected, t0)) == std::vector<std::string>{"call.ringing", "call.ended"});

  // A status callback that overtook the voice webhook creates the record already ended.
  auto busy = inbound();
  busy.status = "busy";
  busy.disposition = "missed";
  CHECK(types(events::call_events(nullptr, busy, t0)) == std::vector<std::string>{"call.ringing", "call.missed", "call.ended"});
}

TEST_CASE("an outbound call is answered when the far end answers, and is never missed") {
  auto placed = inbound();
  placed.direction = "outbound";
  placed.user_id = "u_sato";  // the agent who placed it, from the start
  placed.status = "queued";
  CHECK(types(events::call_events(nullptr, placed, t0)) == std::vector<std::string>{"call.ringing"});
  // The agent's own softphone answering is not the customer answering.
  auto agent_leg = placed;
  agent_leg.status = "in-progress";
  agent_leg.answered_at = t0 + 3s;
  CHECK(events::call_events(&placed, agent_leg, t0 + 3s).empty());
  auto talked = agent_leg;
  talked.connected_at = t0 + 7s;
  auto answered = events::call_events(&agent_leg, talked, t0 + 70s);
  REQUIRE(types(answered) == std::vector<std::string>{"call.answered"});
  CHECK(answered[0].at == t0 + 7s);
  auto no_answer = agent_leg;
  no_answer.status = "completed";
  no_answer.disposition = "answered";
  CHECK(types(events::call_events(&agent_leg, no_answer, t0 + 30s)) == std::vector<std::string>{"call.ended"});
}

TEST_CASE("a call's audio figures make one call.audio event carrying them") {
  auto ended = inbound();
  ended.status = "completed";
  ended.disposition = "answered";
  ended.ended_at = t0 + 60s;
  auto measured = ended;
  measured.audio = media::AudioFigures{30000, 20000, 9000, 1000, 4000, 58000};
  auto events = events::call_events(&ended, measured, t0 + 61s);
  REQUIRE(types(events) == std::vector<std::string>{"call.audio"});
  CHECK(events[0].at == t0 + 61s);
  CHECK(events[0].data.find(R"("audio":{"talk_s":{"caller":30.000,"agent":20.000},"silence_s":9.000,)") != std::string::npos);
  CHECK(events::call_events(&measured, measured, t0 + 62s).empty());  // figures again: nothing new

  // The stored record keeps the exact milliseconds.
  auto back = engine::call_record_from_json(engine::to_json(measured));
  REQUIRE(back);
  REQUIRE(back->audio);
  CHECK(*back->audio == *measured.audio);
  CHECK_FALSE(engine::call_record_from_json(engine::to_json(ended))->audio);
}

TEST_CASE("a finished recording makes one call.recording event with its link, for the call or its voicemail") {
  auto ended = inbound();
  ended.status = "completed";
  ended.disposition = "answered";
  ended.ended_at = t0 + 60s;
  auto recorded = ended;
  recorded.recording_url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1";
  auto events = events::call_events(&ended, recorded, t0 + 65s);
  REQUIRE(types(events) == std::vector<std::string>{"call.recording"});
  CHECK(events[0].data.find(R"("recording_url":"https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1")") !=
        std::string::npos);
  CHECK(events::call_events(&recorded, recorded, t0 + 66s).empty());  // the same link again: nothing new

  auto voicemail = recorded;
  voicemail.voicemail_url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE2";
  CHECK(types(events::call_events(&recorded, voicemail, t0 + 70s)) == std::vector<std::string>{"call.recording"});

  auto back = engine::call_record_from_json(engine::to_json(voicemail));
  REQUIRE(back);
  CHECK(back->recording_url == voicemail.recording_url);
  CHECK(back->voicemail_url == voicemail.voicemail_url);
}
