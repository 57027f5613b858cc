#include <catch2/catch.hpp>

#include <random>

#include "flow/evaluate.hpp"

using namespace callrouter;
using namespace callrouter::flow;
using namespace std::chrono;

namespace {

CompiledFlow compiled(const std::string& json) {
  auto f = compile_flow_checked(json);
  INFO((f ? std::string() : f.error()));
  REQUIRE(f);
  return std::move(f->flow);
}

// Monday 2026-11-23 10:00 in Tokyo = 01:00 UTC.
const Timestamp kMondayMorningTokyo = Timestamp(sys_days(2026y / 11 / 23) + hours(1));
const Timestamp kMondayNightTokyo = Timestamp(sys_days(2026y / 11 / 23) + hours(13));

const std::string kFlow = R"({"start":"hi","states":[
  {"id":"hi","type":"say","say":{"text":"Hello","language":"en-US"},"next":"hours"},
  {"id":"hours","type":"business_hours","timezone":"Asia/Tokyo","weekly":{"mon":[["09:00","18:00"]]},
   "on":{"open":"menu","closed":"vm"}},
  {"id":"menu","type":"menu","prompt":{"text":"1 sales, 2 forward, 3 caller check"},"options":{"1":"sales","2":"fwd","3":"br"},
   "speech":{"sales":"sales"},"attempts":2,"on":{"no_input":"vm","invalid":"bye"}},
  {"id":"sales","type":"ring_group","group":"g","max_rounds":2,"queue":{"max_wait_s":60,"music_url":"https://x/m.mp3"},
   "on":{"no_answer":"vm","queue_full":"bye","timeout":"vm"}},
  {"id":"fwd","type":"forward","number":"+14155550100","on":{"no_answer":"vm","busy":"bye"}},
  {"id":"br","type":"branch","rules":[{"if":{"caller_country":"JP"},"next":"jp"}],"default":"bye"},
  {"id":"jp","type":"say","say":{"text":"Japan"},"next":"bye"},
  {"id":"vm","type":"voicemail","greeting":{"text":"Message please"},"next":"bye"},
  {"id":"bye","type":"hangup"}]})";

CallContext ctx{"+819012345678", "+815012345678", "JP", {}};

template <class A>
const A& action(const Step& s, std::size_t i) {
  REQUIRE(i < s.actions.size());
  REQUIRE(std::holds_alternative<A>(s.actions[i]));
  return std::get<A>(s.actions[i]);
}

}  // namespace

TEST_CASE("non-blocking states chain into one answer that waits at the menu") {
  auto f = compiled(kFlow);
  auto s = step(f, {f.start, 0, Waiting::none}, {}, ctx, kMondayMorningTokyo);
  CHECK_FALSE(s.ended);
  CHECK(s.path == std::vector<StateIndex>{f.index_of("hi"), f.index_of("hours"), f.index_of("menu")});
  CHECK(action<SayAction>(s, 0).text == "Hello");
  const auto& g = action<GatherAction>(s, 1);
  CHECK(g.callback.state_id == "menu");
  CHECK(g.speech_hints == std::vector<std::string>{"sales"});
  CHECK(s.next.state == f.index_of("menu"));
  CHECK(s.next.waiting == Waiting::gather);
}

TEST_CASE("closed hours go to voicemail, which records and then hangs up") {
  auto f = compiled(kFlow);
  auto s = step(f, {f.start, 0, Waiting::none}, {}, ctx, kMondayNightTokyo);
  CHECK(s.next.state == f.index_of("vm"));
  CHECK(s.next.waiting == Waiting::record);
  CHECK(action<SayAction>(s, 1).text == "Message please");
  CHECK(action<RecordAction>(s, 2).callback.state_id == "vm");
  auto done = step(f, s.next, {EventKind::recording, {}, {}, "https://rec"}, ctx, kMondayNightTokyo);
  CHECK(done.voicemail_url == "https://rec");
  CHECK(done.ended);
  CHECK(std::holds_alternative<HangupAction>(done.actions.back()));
}

TEST_CASE("menu: digits, speech, retries and exits") {
  auto f = compiled(kFlow);
  FlowPosition at{f.index_of("menu"), 0, Waiting::gather};
  auto sales = step(f, at, {EventKind::gather, "1", {}, {}}, ctx, kMondayMorningTokyo);
  REQUIRE(sales.assign);
  CHECK(sales.assign->group);
  CHECK(sales.assign->target == "g");
  CHECK(sales.next.waiting == Waiting::assign);

  auto spoken = step(f, at, {EventKind::gather, {}, "I want SALES please", {}}, ctx, kMondayMorningTokyo);
  REQUIRE(spoken.assign);

  // The first silence asks again (attempt 1); the second takes on.no_input.
  auto again = step(f, at, {EventKind::gather, {}, {}, {}}, ctx, kMondayMorningTokyo);
  CHECK(again.next.state == f.index_of("menu"));
  CHECK(again.next.attempts == 1);
  CHECK(action<GatherAction>(again, 0).callback.attempt == 1);
  auto to_vm = step(f, again.next, {EventKind::gather, {}, {}, {}}, ctx, kMondayMorningTokyo);
  CHECK(to_vm.next.state == f.index_of("vm"));

  auto invalid = step(f, {f.index_of("menu"), 1, Waiting::gather}, {EventKind::gather, "9", {}, {}}, ctx, kMondayMorningTokyo);
  CHECK(invalid.ended);  // on.invalid -> bye
}

TEST_CASE("ring group: nobody available queues; dial outcomes; rounds") {
  auto f = compiled(kFlow);
  FlowPosition ring{f.index_of("sales"), 0, Waiting::assign};
  auto queued = step(f, ring, {EventKind::assign_result, {}, {}, "no_agents"}, ctx, kMondayMorningTokyo);
  const auto& enqueue = action<EnqueueAction>(queued, 0);
  CHECK(enqueue.result.kind == Callback::queue_result);
  CHECK(queued.next.waiting == Waiting::queue);

  // The agent layer found the queue at max_callers: the queue_full exit, no Enqueue.
  auto full = step(f, ring, {EventKind::assign_result, {}, {}, "queue_full"}, ctx, kMondayMorningTokyo);
  CHECK(full.ended);
  CHECK(std::holds_alternative<HangupAction>(full.actions.at(0)));
  CHECK(step(f, queued.next, {EventKind::queue_result, {}, {}, "leave"}, ctx, kMondayMorningTokyo).next.state == f.index_of("vm"));
  CHECK(step(f, queued.next, {EventKind::queue_result, {}, {}, "queue-full"}, ctx, kMondayMorningTokyo).ended);
  auto hung_up = step(f, queued.next, {EventKind::queue_result, {}, {}, "hangup"}, ctx, kMondayMorningTokyo);
  CHECK(hung_up.abandoned);
  CHECK(hung_up.ended);
  CHECK(step(f, queued.next, {EventKind::queue_result, {}, {}, "bridged"}, ctx, kMondayMorningTokyo).ended);

  FlowPosition dialing{f.index_of("sales"), 0, Waiting::dial};
  auto round2 = step(f, dialing, {EventKind::dial_result, {}, {}, "no-answer"}, ctx, kMondayMorningTokyo);
  REQUIRE(round2.assign);
  CHECK(round2.assign->round == 1);
  auto after = step(f, {f.index_of("sales"), 1, Waiting::dial}, {EventKind::dial_result, {}, {}, "no-answer"}, ctx,
                    kMondayMorningTokyo);
  CHECK(after.next.state == f.index_of("vm"));
  CHECK(step(f, dialing, {EventKind::dial_result, {}, {}, "completed"}, ctx, kMondayMorningTokyo).ended);
}

TEST_CASE("forward dials the number with the caller's id and follows outcomes") {
  auto f = compiled(kFlow);
  auto s = step(f, {f.index_of("menu"), 0, Waiting::gather}, {EventKind::gather, "2", {}, {}}, ctx, kMondayMorningTokyo);
  const auto& dial = action<DialAction>(s, 0);
  REQUIRE(dial.targets.size() == 1);
  CHECK(dial.targets[0].value == "+14155550100");
  CHECK(dial.caller_id == "+819012345678");
  CHECK(s.next.waiting == Waiting::dial);
  CHECK(step(f, s.next, {EventKind::dial_result, {}, {}, "busy"}, ctx, kMondayMorningTokyo).ended);
  CHECK(step(f, s.next, {EventKind::dial_result, {}, {}, "no-answer"}, ctx, kMondayMorningTokyo).next.state == f.index_of("vm"));
  CHECK(step(f, s.next, {EventKind::dial_result, {}, {}, "completed"}, ctx, kMondayMorningTokyo).ended);
}

TEST_CASE("branch rules see the caller's country") {
  auto f = compiled(kFlow);
  FlowPosition at{f.index_of("menu"), 0, Waiting::gather};
  auto jp = step(f, at, {EventKind::gather, "3", {}, {}}, ctx, kMondayMorningTokyo);
  CHECK(action<SayAction>(jp, 0).text == "Japan");
  CallContext us{"+14155550123", "+815012345678", "US", {}};
  auto other = step(f, at, {EventKind::gather, "3", {}, {}}, us, kMondayMorningTokyo);
  CHECK(std::holds_alternative<HangupAction>(other.actions.at(0)));
}

TEST_CASE("the queue wait document plays music, then leaves at max wait") {
  auto f = compiled(kFlow);
  auto wait = queue_wait_actions(f, f.index_of("sales"), 10);
  CHECK(std::holds_alternative<PlayAction>(wait.at(0)));
  auto leave = queue_wait_actions(f, f.index_of("sales"), 61);
  CHECK(std::holds_alternative<LeaveAction>(leave.at(0)));
}

TEST_CASE("the wait document tells the caller's place on arrival and with each announcement") {
  auto f = compiled(R"({"start":"q","states":[
    {"id":"q","type":"ring_group","group":"g","queue":{"max_wait_s":300,"announce_every_s":30,"priority":7,
     "announcement":{"text":"Thanks for waiting."},"position_announcement":{"text":"You are number {position}."}},
     "on":{"no_answer":"bye","queue_full":"bye","timeout":"bye"}},
    {"id":"bye","type":"hangup"}]})");
  const auto q = f.index_of("q");
  auto first = queue_wait_actions(f, q, 0, 3);
  CHECK(std::get<SayAction>(first.at(0)).text == "You are number 3.");
  CHECK(std::holds_alternative<PauseAction>(first.at(1)));
  auto quiet = queue_wait_actions(f, q, 12, 3);  // between announcements: just the wait
  CHECK(std::holds_alternative<PauseAction>(quiet.at(0)));
  auto periodic = queue_wait_actions(f, q, 30, 1);
  REQUIRE(periodic.size() == 3);
  CHECK(std::get<SayAction>(periodic[0]).text == "You are number 1.");
  CHECK(std::get<SayAction>(periodic[1]).text == "Thanks for waiting.");
  auto unknown = queue_wait_actions(f, q, 30);  // no place known: no position sentence
  CHECK(std::get<SayAction>(unknown.at(0)).text == "Thanks for waiting.");
  auto request = assign_request_at(f, q, 0);
  REQUIRE(request);
  REQUIRE(request->queue != nullptr);
  CHECK(request->queue->priority == 7);
  CHECK(request->state_id == "q");
  CHECK_FALSE(assign_request_at(f, f.index_of("bye"), 0));
}

TEST_CASE("random flows: the compiler never crashes and every walk ends or waits") {
  std::mt19937 rng(12345);
  const char* types[] = {"say", "menu", "branch", "ring_user", "ring_group", "voicemail", "forward", "hangup", "business_hours"};
  int compiled_count = 0;
  for (int round = 0; round < 400; ++round) {
    int n = 1 + static_cast<int>(rng() % 8);
    auto id = [&](int i) { return "s" + std::to_string(i); };
    int cur = 0;
    // Mostly forward exits, sometimes anywhere: cycles appear (and must be refused) but most
    // flows compile.
    auto any = [&] {
      if (cur + 1 < n && rng() % 4 != 0) return id(cur + 1 + static_cast<int>(rng() % (n - cur - 1)));
      return id(static_cast<int>(rng() % n));
    };
    std::string states;
    for (int i = 0; i < n; ++i) {
      cur = i;
      std::string t = types[rng() % std::size(types)];
      if (i == n - 1 && rng() % 2 == 0) t = "hangup";  // an end, so not every flow needs a back edge
      std::string s = R"({"id":")" + id(i) + R"(","type":")" + t + R"(")";
      if (t == "say") s += R"(,"say":{"text":"x"},"next":")" + any() + R"(")";
      if (t == "menu") s += R"(,"prompt":{"text":"p"},"options":{"1":")" + any() + R"("},"on":{"no_input":")" + any() + R"("})";
      if (t == "branch") s += R"(,"rules":[{"if":{"caller_prefix":"+81"},"next":")" + any() + R"("}],"default":")" + any() + R"(")";
      if (t == "ring_user") s += R"(,"user":"u","on":{"no_answer":")" + any() + R"("})";
      if (t == "ring_group") s += R"(,"group":"g","queue":{},"on":{"timeout":")" + any() + R"("})";
      if (t == "voicemail") s += R"(,"next":")" + any() + R"(")";
      if (t == "forward") s += R"(,"number":"+14155550100","on":{"failed":")" + any() + R"("})";
      if (t == "business_hours") s += R"(,"timezone":"UTC","weekly":{"mon":[["00:00","12:00"]]},"on":{"open":")" + any() + R"(","closed":")" + any() + R"("})";
      s += "}";
      states += (i ? "," : "") + s;
    }
    auto r = compile_flow_checked(R"({"start":"s0","states":[)" + states + "]}");
    if (!r) continue;
    ++compiled_count;
    const auto& f = r->flow;
    FlowPosition at{f.start, 0, Waiting::none};
    FlowEvent ev{};
    const char* outcomes[] = {"completed", "no-answer", "busy", "failed", "no_agents", "leave", "hangup", "queue-full"};
    const char* digits[] = {"", "1", "9"};
    bool ended = false;
    for (int turn = 0; turn < 50 && !ended; ++turn) {
      auto s = step(f, at, ev, ctx, kMondayMorningTokyo);
      REQUIRE(s.path.size() <= f.states.size() + 1);  // chains stay bounded
      ended = s.ended;
      if (ended) {
        CHECK(s.next.state == kNoState);
        break;
      }
      REQUIRE(s.next.state != kNoState);
      at = s.next;
      switch (at.waiting) {
        case Waiting::gather: ev = {EventKind::gather, digits[rng() % 3], {}, {}}; break;
        case Waiting::assign: ev = {EventKind::assign_result, {}, {}, "no_agents"}; break;
        case Waiting::queue: ev = {EventKind::queue_result, {}, {}, outcomes[5 + rng() % 3]}; break;
        case Waiting::record: ev = {EventKind::recording, {}, {}, "u"}; break;
        default: ev = {EventKind::dial_result, {}, {}, outcomes[rng() % 4]}; break;
      }
    }
  }
  CHECK(compiled_count > 50);  // the generator must produce enough valid flows to mean something
}

TEST_CASE("forward leaves callerId out when the caller is no number") {
  auto f = compiled(kFlow);
  for (std::string_view from : {"anonymous", "client:alice", "", "0312345678"}) {
    INFO(from);
    CallContext anon{from, "+815012345678", "", {}};
    auto s = step(f, {f.index_of("menu"), 0, Waiting::gather}, {EventKind::gather, "2", {}, {}}, anon, kMondayMorningTokyo);
    CHECK(action<DialAction>(s, 0).caller_id.empty());
  }
}

TEST_CASE("an empty recording continues the flow without counting as voicemail") {
  auto f = compiled(kFlow);
  auto s = step(f, {f.start, 0, Waiting::none}, {}, ctx, kMondayNightTokyo);
  REQUIRE(s.next.waiting == Waiting::record);
  auto done = step(f, s.next, {EventKind::recording, {}, {}, ""}, ctx, kMondayNightTokyo);
  CHECK(done.voicemail_url.empty());
  CHECK(done.path == std::vector<StateIndex>{f.index_of("bye")});  // `next` ran
  CHECK(done.ended);
}

TEST_CASE("a speech menu's Gather carries the prompt's language") {
  auto f = compiled(R"({"start":"m","states":[
    {"id":"m","type":"menu","prompt":{"text":"はい","language":"ja-JP"},"options":{"1":"b"},"speech":{"営業":"b"}},
    {"id":"b","type":"hangup"}]})");
  auto s = step(f, {f.start, 0, Waiting::none}, {}, ctx, kMondayMorningTokyo);
  CHECK(action<GatherAction>(s, 0).language == "ja-JP");
}
