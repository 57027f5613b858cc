// Engine::apply without sockets or disk: events in, effects out, "journaled" into a MemoryStore
// the way the runtime journals them (records applied only when the test says the write was durable).
#include "engine/engine.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

#include "store/call_records.hpp"
#include "store/memory_store.hpp"

using namespace callrouter;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view kNumber = "+815012345678";

const char* const kSalesFlow = R"({"name": "main", "start": "sales", "states": [
  {"id": "sales", "type": "ring_group", "group": "sales", "strategy": "parallel", "ring_timeout_s": 15,
   "queue": {"max_callers": 5, "max_wait_s": 120, "music_url": "https://example.com/hold.mp3"},
   "on": {"no_answer": "bye", "timeout": "bye", "queue_full": "bye"}},
  {"id": "bye", "type": "hangup"}]})";

const char* const kMenuFlow = R"({"name": "menu", "start": "menu", "states": [
  {"id": "menu", "type": "menu", "prompt": {"text": "press one"}, "options": {"1": "bye"}, "timeout_s": 5,
   "attempts": 2, "on": {"no_input": "bye", "invalid": "bye"}},
  {"id": "bye", "type": "hangup"}]})";

const char* const kSayFlow = R"({"name": "say", "start": "hello", "states": [
  {"id": "hello", "type": "say", "say": {"text": "version two"}, "next": "bye"},
  {"id": "bye", "type": "hangup"}]})";

const char* const kVoicemailFlow = R"({"name": "vm", "start": "vm", "states": [
  {"id": "vm", "type": "voicemail", "greeting": {"text": "leave a message"}, "next": "bye"},
  {"id": "bye", "type": "hangup"}]})";

std::shared_ptr<const engine::PublishedFlow> published(std::uint32_t version, const char* json) {
  auto compiled = flow::compile_flow(json);
  REQUIRE(compiled);
  return std::make_shared<engine::PublishedFlow>(
      engine::PublishedFlow{version, "2026-12-01T00:00:00Z", json, std::make_shared<flow::CompiledFlow>(std::move(*compiled))});
}

engine::FlowEntry flow_entry(std::string id, std::shared_ptr<const engine::PublishedFlow> v) {
  engine::FlowEntry f;
  f.id = std::move(id);
  f.org_id = "acme";
  f.name = f.id;
  f.enabled = true;
  f.published = v;
  f.versions[v->version] = v;
  return f;
}

engine::TelephonyUser agent(std::string id, std::string presence) {
  engine::TelephonyUser u;
  u.id = id;
  u.org_id = "acme";
  u.name = id;
  u.client = id;
  u.presence = std::move(presence);
  u.allow_outgoing = true;
  u.caller_id = std::string(kNumber);
  return u;
}

// Names the actions, and what each Dial rings, so tests read like the call.
std::string describe(const flow::CallActions& actions) {
  std::string out;
  for (const auto& a : actions) {
    if (!out.empty()) out += ' ';
    if (const auto* d = std::get_if<flow::DialAction>(&a)) {
      out += "Dial(";
      for (std::size_t i = 0; i < d->targets.size(); ++i) {
        if (i > 0) out += ',';
        out += d->targets[i].user_id.empty() ? d->targets[i].value : d->targets[i].user_id;
      }
      out += ')';
    } else if (std::holds_alternative<flow::EnqueueAction>(a)) {
      out += "Enqueue";
    } else if (std::holds_alternative<flow::HangupAction>(a)) {
      out += "Hangup";
    } else if (std::holds_alternative<flow::SayAction>(a)) {
      out += "Say";
    } else if (std::holds_alternative<flow::GatherAction>(a)) {
      out += "Gather";
    } else {
      out += "Other";
    }
  }
  return out;
}

// One org (acme), one number, the sales group (alice, bob), a rate card; everything journaled
// goes into `disk` when the test says the write was durable.
struct Office {
  store::MemoryStore disk;
  std::vector<flow::CallActions> rendered;
  engine::Engine engine{disk, engine::Instructions{[this](const flow::CallActions& actions, std::string_view, std::string_view) {
                                                     rendered.push_back(actions);
                                                     return describe(actions);
                                                   },
                                                   4000}};
  engine::Org org{"acme", "Acme", "AC1", "token", "Asia/Tokyo", "", ""};
  Timestamp now = Timestamp{} + std::chrono::hours(24 * 20'000);
  std::vector<std::string> events;  // committed call event types, in order

  explicit Office(std::string alice = "available", std::string bob = "available") {
    engine::Directory d;
    d.put_org(org);
    d.put_number(engine::NumberEntry{std::string(kNumber), "acme", "JP", "local", "main", {}, {}, 0, false});
    d.put_flow(flow_entry("main", published(1, kSalesFlow)));
    d.put_user(agent("alice", alice));
    d.put_user(agent("bob", bob));
    d.put_group(engine::TelephonyGroup{"sales", "acme", "Sales", {"alice", "bob"}, 0});
    engine.set_rate_card(std::make_shared<billing::RateCard>(*billing::parse_rate_card(R"({
      "countries": {"JP": {"numbers": {"local": {"monthly_fee": "4.50", "inbound_per_minute": "0.01"}}}},
      "outbound": {"prefixes": {"81": "0.10"}},
      "agent_leg_per_minute": "0.004",
      "minimum_outbound_balance": "0.50"})")));
    engine.load(std::move(d), {}, now);
  }

  engine::Effects apply(const engine::Event& e, bool durable = true) {
    auto fx = engine.apply(e, now);
    // As the runtime does: the event's change first, then each move it decided.
    if (fx.journal) {
      if (durable) {
        disk.apply(fx.change.records);
        for (const auto& ev : fx.change.events) events.push_back(ev.type);
      }
      engine.settle(fx.settle, durable, now);
    }
    for (auto& move : fx.moves) {
      if (durable) {
        disk.apply(move.change.records);
        for (const auto& ev : move.change.events) events.push_back(ev.type);
      }
      engine.settle(move.settle, durable, now);
    }
    return fx;
  }
  engine::Webhook from(std::string_view token = {}) const { return {&org, token}; }
  engine::Effects arrive(std::string_view sid, bool durable = true) {
    return apply(engine::CallArrivedEvent{from(), {sid, "+819011112222", kNumber, "ringing", "JP"}}, durable);
  }
  engine::Effects status(std::string_view sid, std::string_view s, std::uint32_t seq, std::optional<std::int64_t> duration = {}) {
    return apply(engine::CallStatusEvent{from(), {sid, s, "inbound", "+819011112222", kNumber, seq, now, duration}});
  }
  engine::Effects leg(std::string_view user, std::string_view parent, std::string_view s, std::optional<std::int64_t> duration = {}) {
    return apply(engine::AgentLegEvent{from(), {user, parent, std::string(parent) == "CA1" ? "CL1" : "CL2", s, duration}});
  }
  std::optional<engine::CallRecord> call(std::string_view sid) { return engine.calls().find("acme", sid); }
};

std::vector<std::string> notice_types(const engine::Effects& fx, std::string_view user) {
  std::vector<std::string> out;
  for (const auto& n : fx.notices) {
    if (n.user_id != user) continue;
    auto t = n.message.find(R"("type":")");
    out.push_back(n.message.substr(t + 8, n.message.find('"', t + 8) - t - 8));
  }
  return out;
}

}  // namespace

TEST_CASE("a whole inbound call: the group rings, an agent answers, the caller hangs up, the call is charged", "[engine]") {
  Office o;
  auto ring = o.arrive("CA1");
  REQUIRE(ring.answer);
  CHECK((ring.answer->body == "Dial(alice,bob)" || ring.answer->body == "Dial(bob,alice)"));
  CHECK(ring.journal);
  // Offers are effects, delivered by the runtime only once the change is durable.
  CHECK(notice_types(ring, "alice") == std::vector<std::string>{"call.offered"});
  CHECK(notice_types(ring, "bob") == std::vector<std::string>{"call.offered"});
  CHECK(o.engine.offers_for("acme", "alice").size() == 1);

  o.now += 4s;
  auto answered = o.leg("alice", "CA1", "in-progress");
  CHECK(notice_types(answered, "alice") == std::vector<std::string>{"call.connected"});
  CHECK(notice_types(answered, "bob") == std::vector<std::string>{"call.ended"});
  CHECK(o.engine.offers_for("acme", "bob").empty());
  CHECK(o.call("CA1")->user_id == "alice");
  CHECK(o.engine.presence_of(*o.engine.directory().user("acme", "alice"), o.now) == "on_call");

  o.now += 65s;
  auto leg_end = o.leg("alice", "CA1", "completed", 65);
  CHECK(notice_types(leg_end, "alice") == std::vector<std::string>{"call.ended"});
  REQUIRE(leg_end.wakeups.size() == 1);  // her wrap-up ends: queued callers may be hers then
  auto hangup = o.status("CA1", "completed", 5, 69);
  auto record = o.call("CA1");
  REQUIRE(record);
  CHECK(record->terminal());
  CHECK(record->disposition == "answered");
  // 2 minutes inbound on a JP local number (0.01/min) plus the agent leg's 2 minutes (0.004/min).
  CHECK(record->charge_micro == 20'000 + 8'000);
  CHECK(o.engine.wallets().wallet("acme").balance_micro == -(20'000 + 8'000));
  CHECK(o.events == std::vector<std::string>{"call.ringing", "call.answered", "call.ended"});
  // On record exactly as the engine says (what a restart would read back).
  auto stored = store::read_call(o.disk, "acme", "CA1");
  REQUIRE(stored);
  CHECK(stored->charge_micro == record->charge_micro);
}

TEST_CASE("a caller waits in the group's queue and is moved to the first agent who becomes free", "[engine]") {
  Office o("offline", "away");
  auto queued = o.arrive("CA1");
  CHECK(queued.answer->body == "Enqueue");
  CHECK(queued.moves.empty());
  CHECK(o.engine.queued() == 1);

  // Bob comes back: the caller is his, journaled as its own change, then moved by the runtime.
  auto bob = *o.engine.directory().user("acme", "bob");
  bob.presence = "available";
  o.engine.directory().put_user(bob);
  o.now += 10s;
  auto back = o.apply(engine::PresenceStoredEvent{bob});
  CHECK(notice_types(back, "bob") == std::vector<std::string>{"presence.changed"});
  REQUIRE(back.moves.size() == 1);
  const auto& move = back.moves[0];
  CHECK(move.call_sid == "CA1");
  CHECK(move.document == "Dial(bob)");
  CHECK(move.fetch_query.empty());
  CHECK(o.engine.queued() == 0);
  CHECK(o.call("CA1")->flow_waiting == "dial");

  // The provider refuses the redirect: the caller is back in line, and bob's offer ends.
  auto refused = o.apply(engine::MoveReplyEvent{"acme", "CA1", false, "redirect_failed"});
  CHECK(notice_types(refused, "bob") == std::vector<std::string>{"call.ended"});
  CHECK(o.engine.queued() == 1);
  CHECK(o.call("CA1")->flow_waiting == "queue");
  CHECK(o.engine.queue_stats().entered == 2);
  CHECK(o.engine.queue_stats().assigned == 1);
  // A reply for a move that is no longer on its way changes nothing.
  auto stale = o.apply(engine::MoveReplyEvent{"acme", "CA1", true, ""});
  CHECK_FALSE(stale.journal);
  CHECK(o.events == std::vector<std::string>{"call.ringing", "queue.joined", "queue.left", "queue.joined"});
}

TEST_CASE("click-to-call: the agent's softphone answers, the customer is dialled, answers, and the call is charged", "[engine]") {
  Office o;
  engine::CallRecord placed;
  placed.org_id = "acme";
  placed.sid = "CA9";
  placed.direction = "outbound";
  placed.from = std::string(kNumber);
  placed.to = "+81312345678";
  placed.status = "queued";
  placed.user_id = "alice";
  placed.caller_id = std::string(kNumber);
  placed.time_limit_s = 600;
  placed.started_at = o.now;
  auto created = o.apply(engine::OutboundPlacedEvent{placed});
  CHECK(created.journal);

  o.now += 3s;
  auto dial = o.apply(engine::CallArrivedEvent{o.from(), {"CA9", "client:alice", "+81312345678", "in-progress", ""}});
  REQUIRE(dial.answer);
  CHECK(dial.answer->body == "Dial(+81312345678)");
  REQUIRE(o.rendered.back().size() == 1);
  const auto& d = std::get<flow::DialAction>(o.rendered.back()[0]);
  CHECK(d.caller_id == kNumber);
  CHECK(d.time_limit_s == 600);

  o.now += 40s;
  engine::FlowCallback result;
  result.kind = flow::Callback::dial;
  result.call_sid = "CA9";
  result.state_id = "outbound";
  result.visit = 0;
  result.event = {flow::EventKind::dial_result, {}, {}, "completed"};
  result.dial_duration_s = 35;
  auto ended = o.apply(engine::FlowCallbackEvent{o.from(), result});
  CHECK(ended.answer->body == "Hangup");
  CHECK(o.call("CA9")->connected_at == o.now - 35s);
  o.apply(engine::CallStatusEvent{o.from(), {"CA9", "completed", "outbound-api", kNumber, "client:alice", 4, o.now, 41}});
  auto record = o.call("CA9");
  CHECK(record->disposition == "answered");
  // 1 minute to +81 (0.10/min) plus the softphone leg's minute (0.004/min).
  CHECK(record->charge_micro == 100'000 + 4'000);
  CHECK(o.events == std::vector<std::string>{"call.ringing", "call.answered", "call.ended"});
}

TEST_CASE("a flow published while calls are in it: they finish on their version, new calls take the new one", "[engine]") {
  Office o;
  auto& dir = o.engine.directory();
  dir.put_flow(flow_entry("main", published(1, kMenuFlow)));
  auto first = o.arrive("CA1");
  CHECK(first.answer->body == "Gather");
  // Version 2 replaces the menu with a greeting.
  auto entry = *dir.flow("acme", "main");
  auto v2 = published(2, kSayFlow);
  entry.published = v2;
  entry.versions[2] = v2;
  dir.put_flow(entry);

  auto second = o.arrive("CA2");
  CHECK(second.answer->body == "Say Hangup");
  CHECK(o.call("CA2")->flow_version == 2);
  // The first caller presses 1 in the menu of version 1, which still knows the state.
  engine::FlowCallback pressed;
  pressed.kind = flow::Callback::gather;
  pressed.call_sid = "CA1";
  pressed.state_id = "menu";
  pressed.attempt = o.call("CA1")->flow_attempts;
  pressed.visit = static_cast<int>(o.call("CA1")->flow_path.size());
  pressed.event = {flow::EventKind::gather, "1", {}, {}};
  auto turn = o.apply(engine::FlowCallbackEvent{o.from(), pressed});
  CHECK(turn.answer->status == 200);
  CHECK(turn.answer->body == "Hangup");
  CHECK(o.call("CA1")->flow_version == 1);
}

TEST_CASE("duplicated and reordered callbacks: each fact counts once, whatever the order", "[engine]") {
  Office o("offline", "offline");
  // The hang-up's status callback overtakes the call's first webhook.
  o.status("CA1", "completed", 3, 0);
  auto late = o.arrive("CA1");
  CHECK(late.journal);
  CHECK(o.call("CA1")->terminal());
  CHECK(o.call("CA1")->status == "completed");
  // The same status again (same sequence number): nothing to write.
  auto again = o.status("CA1", "completed", 3, 0);
  CHECK_FALSE(again.journal);
  CHECK(again.answer->status == 200);
  // The first webhook retried gets the same document, without journaling anything.
  auto retried = o.arrive("CA1");
  CHECK_FALSE(retried.journal);
  CHECK(retried.answer->body == late.answer->body);
  // A retry carrying the provider's idempotency token gets the stored answer too.
  auto with_token = o.apply(engine::CallStatusEvent{o.from("tok-1"), {"CA2", "ringing", "inbound", "+819011112222", kNumber, 1, o.now, {}}});
  CHECK(with_token.journal);
  auto replayed = o.apply(engine::CallStatusEvent{o.from("tok-1"), {"CA2", "ringing", "inbound", "+819011112222", kNumber, 1, o.now, {}}});
  CHECK_FALSE(replayed.journal);
  CHECK(replayed.answer->body == with_token.answer->body);
  // Charged once: the terminal status repeated with a new sequence number cannot charge again.
  auto charged = o.engine.wallets().wallet("acme").balance_micro;
  o.status("CA1", "completed", 4, 0);
  CHECK(o.engine.wallets().wallet("acme").balance_micro == charged);
  CHECK(std::count(o.events.begin(), o.events.end(), "call.ended") == 1);
}

TEST_CASE("a commit the journal refused is undone: the call, its answer and its charge are as before", "[engine]") {
  Office o;
  auto lost = o.arrive("CA1", /*durable=*/false);
  CHECK(lost.journal);
  CHECK_FALSE(o.call("CA1"));  // nothing on record, nothing staged
  CHECK(o.events.empty());
  // The provider retries: decided again from scratch, journaled this time.
  auto kept = o.arrive("CA1");
  CHECK(kept.answer->body == lost.answer->body);
  CHECK(o.call("CA1"));
  CHECK(o.events == std::vector<std::string>{"call.ringing"});

  // A refused hang-up: neither the terminal record nor the charge stays.
  o.now += 61s;
  o.engine.settle(o.engine.apply(engine::CallStatusEvent{o.from(), {"CA1", "completed", "inbound", "+819011112222", kNumber, 5, o.now, 61}}, o.now).settle,
                  false, o.now);
  CHECK_FALSE(o.call("CA1")->terminal());
  CHECK(o.engine.wallets().wallet("acme").balance_micro == 0);
  o.status("CA1", "completed", 5, 61);
  CHECK(o.call("CA1")->terminal());
  CHECK(o.engine.wallets().wallet("acme").balance_micro == -20'000);

  // A refused turn that queued its caller: not in line, so the retry queues them once.
  Office busy("offline", "offline");
  busy.arrive("CA5", /*durable=*/false);
  CHECK(busy.engine.queued() == 0);
  CHECK(busy.arrive("CA5").answer->body == "Enqueue");
  CHECK(busy.engine.queued() == 1);
  CHECK(busy.engine.queue_stats().entered == 1);
}

TEST_CASE("a flow that analyses audio streams the call from its first document, and the figures go on record", "[engine]") {
  Office o;
  std::string heard = kSayFlow;
  heard.insert(1, R"("analyze_audio": true, )");
  o.engine.directory().put_flow(flow_entry("main", published(2, heard.c_str())));
  auto first = o.arrive("CA1");
  REQUIRE(first.answer);
  CHECK(first.answer->body == "Other Say Hangup");
  const auto* stream = std::get_if<flow::StreamAudioAction>(&o.rendered.back().front());
  REQUIRE(stream);
  CHECK(stream->org_id == "acme");
  CHECK(stream->call_sid == "CA1");
  o.now += 30s;
  o.status("CA1", "completed", 3, 30);

  o.now += 1s;
  const media::AudioFigures figures{12000, 8000, 9000, 500, 3000, 28500};
  auto measured = o.apply(engine::AudioFiguresEvent{"acme", "CA1", figures});
  CHECK(measured.journal);
  CHECK_FALSE(measured.answer);
  REQUIRE(o.call("CA1")->audio);
  CHECK(*o.call("CA1")->audio == figures);
  CHECK(o.events.back() == "call.audio");
  auto stored = store::read_call(o.disk, "acme", "CA1");
  REQUIRE(stored);
  REQUIRE(stored->audio);
  CHECK(*stored->audio == figures);

  // A flow without the option streams nothing; figures for a call never seen change nothing.
  o.engine.directory().put_flow(flow_entry("main", published(3, kSayFlow)));
  CHECK(o.arrive("CA2").answer->body == "Say Hangup");
  CHECK_FALSE(o.apply(engine::AudioFiguresEvent{"acme", "CA404", figures}).journal);
  CHECK_FALSE(o.apply(engine::AudioFiguresEvent{"other", "CA1", figures}).journal);
}

TEST_CASE("a voicemail: call.voicemail carries the message's link from the Record's action; a failed recording takes it away", "[engine]") {
  constexpr std::string_view kUrl = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1";
  for (std::string_view report : {"completed", "failed"}) {
    Office o;
    o.engine.directory().put_flow(flow_entry("main", published(1, kVoicemailFlow)));
    CHECK(o.arrive("CA1").answer->body == "Say Other");  // the greeting, then the Record
    // The Record's action: the caller has finished; the provider names the recording.
    engine::FlowCallback left;
    left.kind = flow::Callback::recording;
    left.call_sid = "CA1";
    left.state_id = "vm";
    left.visit = static_cast<int>(o.call("CA1")->flow_path.size());
    left.event = {flow::EventKind::recording, {}, {}, kUrl};
    auto fx = o.apply(engine::FlowCallbackEvent{o.from(), left});
    CHECK(fx.answer->body == "Hangup");
    CHECK(o.call("CA1")->disposition == "voicemail");
    CHECK(o.call("CA1")->voicemail_url == kUrl);
    std::vector<std::string> types;
    for (const auto& ev : fx.change.events) {
      types.push_back(ev.type);
      CHECK(ev.data.find(R"("voicemail_url":")" + std::string(kUrl) + '"') != std::string::npos);
    }
    CHECK(types == std::vector<std::string>{"call.voicemail", "call.recording"});
    // The recording status report for the same recording, at the same state.
    engine::FlowCallback status = left;
    status.recording = engine::RecordingFacts{"RE1", report, 12, kUrl};
    auto reported = o.apply(engine::FlowCallbackEvent{o.from(), status});
    CHECK(reported.answer->status == 200);
    std::vector<std::string> later;
    for (const auto& ev : reported.change.events) later.push_back(ev.type);
    CHECK(later.empty());  // the link was already known: no second call.recording
    CHECK(o.call("CA1")->voicemail_url == (report == "completed" ? kUrl : ""));
    CHECK(o.call("CA1")->disposition == "voicemail");
  }
}
