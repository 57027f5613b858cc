#include <catch2/catch.hpp>

#include "flow/compiled_flow.hpp"

using namespace callrouter::flow;

namespace {

std::string flow_of(std::string states, std::string start = "a") {
  return R"({"name":"t","start":")" + start + R"(","states":[)" + states + "]}";
}

std::string error_of(const std::string& json, const FlowReferences& refs = {}) {
  auto r = compile_flow(json, refs);
  return r ? std::string("(compiled)") : r.error();
}

}  // namespace

TEST_CASE("say then hangup compiles to indices") {
  auto flow = compile_flow(flow_of(R"({"id":"a","type":"say","say":{"text":"こんにちは","language":"ja-JP"},"next":"b"},
                                      {"id":"b","type":"hangup"})"));
  REQUIRE(flow);
  REQUIRE(flow->states.size() == 2);
  CHECK(flow->start == 0);
  CHECK(std::get<SayState>(flow->states[0].settings).next == 1);
  CHECK(flow->index_of("b") == 1);
  CHECK(flow->index_of("zz") == kNoState);
}

TEST_CASE("every state type compiles with its settings and exits") {
  auto json = flow_of(R"(
    {"id":"a","type":"say","play":{"url":"https://x/a.mp3"},"loop":2,"next":"hours"},
    {"id":"hours","type":"business_hours","timezone":"Asia/Tokyo","weekly":{"mon":[["09:00","18:00"]]},
     "on":{"open":"menu","closed":"vm"}},
    {"id":"menu","type":"menu","prompt":{"text":"Press 1"},"options":{"1":"br","22":"grp"},"speech":{"Sales":"grp"},
     "timeout_s":7,"attempts":2,"on":{"no_input":"vm","invalid":"user"}},
    {"id":"br","type":"branch","rules":[{"if":{"caller_prefix":["+81","+1"]},"next":"fwd"},
                                        {"if":{"variable":"vip","equals":"yes"},"next":"grp"}],"default":"user"},
    {"id":"user","type":"ring_user","user":"u1","ring_timeout_s":15,"record":true,
     "queue":{"max_callers":3,"max_wait_s":60,"music_url":"https://x/m.mp3"},
     "on":{"no_answer":"vm","busy":"vm","unavailable":"vm","queue_full":"vm","timeout":"vm"}},
    {"id":"grp","type":"ring_group","group":"g1","strategy":"longest_idle","max_rounds":2,
     "on":{"no_answer":"vm"}},
    {"id":"fwd","type":"forward","number":"+14155550100","caller_id":"caller","timeout_s":20,
     "on":{"completed":"bye","no_answer":"vm","busy":"vm","failed":"vm"}},
    {"id":"vm","type":"voicemail","greeting":{"text":"Leave a message"},"max_length_s":60,"notify":{"group":"g1"},"next":"bye"},
    {"id":"bye","type":"hangup"})");
  auto r = compile_flow_checked(json);
  INFO((r ? std::string() : r.error()));
  REQUIRE(r);
  CHECK(r->warnings.empty());
  const auto& f = r->flow;
  const auto& menu = std::get<MenuState>(f.states[f.index_of("menu")].settings);
  CHECK(menu.num_digits == 2);  // the longest option
  CHECK(menu.attempts == 2);
  CHECK(menu.on_invalid == f.index_of("user"));
  REQUIRE(menu.speech.size() == 1);
  CHECK(menu.speech[0].first == "sales");  // keywords compare lower-case
  const auto& br = std::get<BranchState>(f.states[f.index_of("br")].settings);
  REQUIRE(br.rules.size() == 2);
  CHECK(br.rules[0].next == f.index_of("fwd"));
  CHECK(br.default_next == f.index_of("user"));
  const auto& grp = std::get<RingGroupState>(f.states[f.index_of("grp")].settings);
  CHECK(grp.strategy == RingStrategy::longest_idle);
  CHECK(grp.max_rounds == 2);
  const auto& user = std::get<RingUserState>(f.states[f.index_of("user")].settings);
  CHECK(user.queue.enabled);
  CHECK(user.queue.max_callers == 3);
  const auto& say = std::get<SayState>(f.states[0].settings);
  CHECK(std::get<PlayAction>(say.speech).loop == 2);
}

TEST_CASE("validation errors name the state and the field") {
  struct Case {
    std::string json;
    std::string message;
  };
  std::vector<Case> cases{
      {flow_of(R"({"id":"a","type":"ring_group","group":"g","queue":{"position_announcement":{"text":"Please hold"}},"on":{}})"),
       "state 'a': field 'queue.position_announcement': must be a text prompt containing {position}"},
      {flow_of(R"({"id":"a","type":"ring_group","group":"g","queue":{"priority":101},"on":{}})"),
       "state 'a': field 'queue.priority': must be an integer -100..100"},
      {flow_of(R"({"id":"a","type":"say","say":{"text":"x"},"next":"nowhere"})"), "state 'a': field 'next': no state 'nowhere'"},
      {flow_of(R"({"id":"a","type":"dance"})"), "state 'a': field 'type': unknown state type 'dance'"},
      {flow_of(R"({"id":"a","type":"hangup","colour":1})"), "state 'a': field 'colour': unknown field"},
      {flow_of(R"({"id":"a","type":"hangup"},{"id":"a","type":"hangup"})"), "state 'a': field 'id': duplicate state id"},
      {flow_of(R"({"id":"a","type":"hangup"},{"id":"b","type":"hangup"})"), "state 'b': field 'id': state is unreachable"},
      {flow_of(R"({"id":"a","type":"hangup"})", "zz"), "field 'start': no state 'zz'"},
      {R"({"states":[{"id":"a","type":"hangup"}]})", "field 'start': is required"},
      {flow_of(R"({"id":"A","type":"hangup"})", "A"), "states[0]: field 'id'"},
      {flow_of(R"({"id":"a","type":"say"})"), "state 'a': field 'say'"},
      {flow_of(R"({"id":"a","type":"say","say":{"language":"en-US"}})"), "state 'a': field 'say.text': is required"},
      {flow_of(R"({"id":"a","type":"say","say":{"text":"x"},"next":"r"},{"id":"r","type":"reject"})"),
       "state 'r': field 'type': a reject state must be the flow's start state"},
      {flow_of(R"({"id":"a","type":"reject","reason":"nope"})"), "state 'a': field 'reason'"},
      {flow_of(R"({"id":"a","type":"menu","prompt":{"text":"p"},"options":{"1":"b","1":"b"}},{"id":"b","type":"hangup"})"),
       "state 'a': field 'options.1': duplicate menu key"},
      {flow_of(R"({"id":"a","type":"menu","prompt":{"text":"p"},"options":{"x":"b"}},{"id":"b","type":"hangup"})"),
       "state 'a': field 'options.x'"},
      {flow_of(R"({"id":"a","type":"menu","prompt":{"text":"p"},"options":{"1":"b"},"attempts":0},{"id":"b","type":"hangup"})"),
       "state 'a': field 'attempts'"},
      {flow_of(R"({"id":"a","type":"menu","prompt":{"text":"p"},"options":{"1":"b"},"on":{"no_input":"s"}},
                  {"id":"s","type":"say","say":{"text":"again"},"next":"a"},{"id":"b","type":"hangup"})"),
       "loop forever"},
      {flow_of(R"({"id":"a","type":"say","say":{"text":"x"},"next":"b"},{"id":"b","type":"say","say":{"text":"y"},"next":"a"})"),
       "loop forever"},
      {flow_of(R"({"id":"a","type":"ring_group","group":"g","strategy":"loudest"})"), "state 'a': field 'strategy'"},
      {flow_of(R"({"id":"a","type":"ring_group","group":"g","on":{"busy":"a"}})"), "state 'a': field 'on.busy': unknown outcome"},
      {flow_of(R"({"id":"a","type":"forward","number":"+8613800138000"})"), "state 'a': field 'number': calls to +86"},
      {flow_of(R"({"id":"a","type":"forward","number":"0312345678"})"), "state 'a': field 'number': must be an E.164"},
      {flow_of(R"({"id":"a","type":"branch","rules":[{"if":{"caller_prefix":"+1","called_number":"+2"},"next":"a"}]})"),
       "state 'a': field 'rules[0].if': needs exactly one condition"},
      {flow_of(R"({"id":"a","type":"branch","rules":[{"if":{"caller_country":"japan"},"next":"a"}]})"),
       "state 'a': field 'rules[0].if.caller_country'"},
      {flow_of(R"({"id":"a","type":"business_hours","timezone":"Asia/Tokyo","weekly":{},"on":{"open":"a"}})"),
       "state 'a': field 'on'"},
      {flow_of(R"({"id":"a","type":"voicemail","notify":{"team":"x"}})"), "state 'a': field 'notify.team'"},
      {R"({"start":"a","states":[]})", "field 'states'"},
      {R"([1,2])", "flow must be a JSON object"},
      {R"({"start":)", "not valid JSON"},
  };
  for (const auto& c : cases) {
    INFO(c.json);
    CHECK_THAT(error_of(c.json), Catch::Contains(c.message));
  }
}

TEST_CASE("references to users, groups and numbers are checked") {
  FlowReferences refs;
  refs.user_exists = [](std::string_view id) { return id == "u1"; };
  refs.group_exists = [](std::string_view id) { return id == "g1"; };
  refs.org_number = [](std::string_view n) { return n == "+815012345678"; };
  CHECK_THAT(error_of(flow_of(R"({"id":"a","type":"ring_user","user":"u2"})"), refs),
             Catch::Contains("state 'a': field 'user': no telephony user 'u2'"));
  CHECK_THAT(error_of(flow_of(R"({"id":"a","type":"ring_group","group":"g2"})"), refs),
             Catch::Contains("state 'a': field 'group': no telephony group 'g2'"));
  CHECK_THAT(error_of(flow_of(R"({"id":"a","type":"forward","number":"+14155550100","caller_id":"+819000000000"})"), refs),
             Catch::Contains("state 'a': field 'caller_id'"));
  CHECK_THAT(error_of(flow_of(R"({"id":"a","type":"forward","number":"+815012345678"})"), refs),
             Catch::Contains("org's own numbers"));
  CHECK(error_of(flow_of(R"({"id":"a","type":"forward","number":"+14155550100","caller_id":"+815012345678"})"), refs) ==
        "(compiled)");
}

TEST_CASE("drafts may hold unreachable states as warnings; publishing refuses them") {
  auto json = flow_of(R"({"id":"a","type":"hangup"},{"id":"b","type":"hangup"})");
  auto checked = compile_flow_checked(json);
  REQUIRE(checked);
  REQUIRE(checked->warnings.size() == 1);
  CHECK_THAT(checked->warnings[0], Catch::Contains("'b'"));
  CHECK_FALSE(compile_flow(json));
}

TEST_CASE("limits are enforced") {
  std::string big(kMaxTextBytes + 1, 'a');
  CHECK_THAT(error_of(flow_of(R"({"id":"a","type":"say","say":{"text":")" + big + R"("}})")), Catch::Contains("say.text"));
  std::string many;
  for (std::size_t i = 0; i <= kMaxStates; ++i) many += (i ? "," : "") + std::string(R"({"id":"s)") + std::to_string(i) + R"(","type":"hangup"})";
  CHECK_THAT(error_of(flow_of(many, "s0")), Catch::Contains("more than"));
}

TEST_CASE("provider value rules: finish keys, options, keywords, transcription, URLs") {
  struct Case {
    std::string json;
    std::string message;
  };
  const std::string b = R"(,{"id":"b","type":"hangup"})";
  std::vector<Case> cases{
      {flow_of(R"({"id":"vm","type":"voicemail","finish_on_key":"abc"})", "vm"),
       "state 'vm': field 'finish_on_key': must be keys from 0-9, #, *"},
      {flow_of(R"({"id":"vm","type":"voicemail","finish_on_key":"##"})", "vm"), "state 'vm': field 'finish_on_key': names '#' twice"},
      {flow_of(R"({"id":"a","type":"menu","prompt":{"text":"p"},"options":{"1":"b","#":"b"}})" + b),
       "state 'a': field 'options.#': contains the finish key '#'"},
      {flow_of(R"({"id":"a","type":"menu","prompt":{"text":"p"},"finish_on_key":"*","options":{"1*":"b"}})" + b),
       "state 'a': field 'options.1*': contains the finish key '*'"},
      {flow_of(R"({"id":"a","type":"menu","prompt":{"text":"p"},"options":{"1":"b","12":"b"}})" + b),
       "state 'a': field 'options.1': is the start of option '12'"},
      {flow_of(R"({"id":"a","type":"menu","prompt":{"text":"p"},"num_digits":3,"options":{"0":"b"}})" + b),
       "state 'a': field 'num_digits': is 3 but the longest option has 1 digits"},
      {flow_of(R"({"id":"a","type":"menu","prompt":{"text":"p"},"options":{"1":"b"},"speech":{"sales, support":"b"}})" + b),
       "state 'a': field 'speech.sales, support': keywords must not contain ','"},
      {flow_of(R"({"id":"vm","type":"voicemail","max_length_s":300,"transcribe":true})", "vm"),
       "state 'vm': field 'transcribe': needs max_length_s of at most 120"},
      {flow_of(R"({"id":"a","type":"say","play":{"url":"https://x/hold music.mp3"}})"),
       "state 'a': field 'play.url': has a character a URL cannot carry as is (byte 0x20"},
      {flow_of(R"({"id":"a","type":"say","play":{"url":"https:///a.mp3"}})"), "state 'a': field 'play.url': must name a host"},
      {flow_of(R"({"id":"a","type":"say","play":{"url":"https://x/a%zz.mp3"}})"), "state 'a': field 'play.url': has a '%'"},
      {flow_of(R"({"id":"a","type":"ring_group","group":"g","queue":{"music_url":"https://x/ü.mp3"}})"),
       "state 'a': field 'queue.music_url': has a character"},
  };
  for (const auto& c : cases) {
    INFO(c.json);
    CHECK_THAT(error_of(c.json), Catch::Contains(c.message));
  }
  // What stays allowed: empty keys (no finish key), mixed option lengths without a prefix.
  CHECK(error_of(flow_of(R"({"id":"vm","type":"voicemail","finish_on_key":""})", "vm")) == "(compiled)");
  CHECK(error_of(flow_of(R"({"id":"vm","type":"voicemail","finish_on_key":"1#*","transcribe":true})", "vm")) == "(compiled)");
  CHECK(error_of(flow_of(R"({"id":"a","type":"menu","prompt":{"text":"p"},"finish_on_key":"","options":{"#":"b","1":"b"}})" + b)) ==
        "(compiled)");
  CHECK(error_of(flow_of(R"({"id":"a","type":"say","play":{"url":"https://x/hold%20music.mp3?a=1&b=2"}})")) == "(compiled)");
}

TEST_CASE("voices and languages are checked through the references") {
  FlowReferences refs;
  // Stands in for the provider's table: only "ok"/"en-US"/"ja-JP" pairs exist here.
  refs.say_voice_problem = [](std::string_view voice, std::string_view language) -> std::optional<std::string> {
    if (!language.empty() && language != "en-US" && language != "ja-JP") return std::string("unknown language");
    if (!voice.empty() && voice != "ok") return std::string("unknown voice");
    return std::nullopt;
  };
  CHECK_THAT(error_of(flow_of(R"({"id":"a","type":"say","say":{"text":"x","voice":"Robot.Bender"}})"), refs),
             Catch::Contains("state 'a': field 'say.voice': unknown voice"));
  CHECK_THAT(error_of(flow_of(R"({"id":"a","type":"say","say":{"text":"x","language":"xx-YY"}})"), refs),
             Catch::Contains("state 'a': field 'say.language': unknown language"));
  CHECK_THAT(error_of(flow_of(R"({"id":"vm","type":"voicemail","greeting":{"text":"x","voice":"bad"}})", "vm"), refs),
             Catch::Contains("state 'vm': field 'greeting.voice'"));
  CHECK_THAT(error_of(flow_of(R"({"id":"a","type":"ring_group","group":"g","queue":{"announcement":{"text":"x","language":"xx"}}})"), refs),
             Catch::Contains("state 'a': field 'queue.announcement.language'"));
  CHECK(error_of(flow_of(R"({"id":"a","type":"say","say":{"text":"x","language":"ja-JP"}})"), refs) == "(compiled)");
  // A speech menu remembers its prompt's language for recognition.
  auto f = compile_flow(flow_of(R"({"id":"a","type":"menu","prompt":{"text":"p","language":"ja-JP"},"options":{"1":"b"},
                                    "speech":{"はい":"b"}},{"id":"b","type":"hangup"})"), refs);
  REQUIRE(f);
  CHECK(std::get<MenuState>(f->states[0].settings).language == "ja-JP");
}

TEST_CASE("the flow option analyze_audio is a boolean, false unless set") {
  const std::string states = R"({"id":"a","type":"hangup"})";
  CHECK_FALSE(compile_flow(flow_of(states))->analyze_audio);
  CHECK(compile_flow(R"({"analyze_audio":true,"start":"a","states":[)" + states + "]}")->analyze_audio);
  CHECK(error_of(R"({"analyze_audio":"yes","start":"a","states":[)" + states + "]}") ==
        "field 'analyze_audio': must be true or false");
}
