#include <catch2/catch.hpp>

#include "flow/compiled_flow.hpp"
#include "flow/evaluate.hpp"

using namespace callrouter::flow;

TEST_CASE("say then hangup compiles to indices and runs as one step") {
  auto flow = compile_flow(R"({"name":"n","start":"hi","states":[
      {"id":"hi","type":"say","say":{"text":"こんにちは","language":"ja-JP"},"next":"bye"},
      {"id":"bye","type":"hangup"}]})");
  REQUIRE(flow);
  REQUIRE(flow->states.size() == 2);
  CHECK(flow->start == 0);
  CHECK(flow->states[0].next == 1);
  auto step = run_from(*flow, flow->start);
  CHECK(step.ended);
  CHECK(step.path == std::vector<StateIndex>{0, 1});
  REQUIRE(step.actions.size() == 2);
  CHECK(std::get<SayAction>(step.actions[0]).text == "こんにちは");
  CHECK(std::holds_alternative<HangupAction>(step.actions[1]));
}

TEST_CASE("a say without next hangs up after speaking") {
  auto flow = compile_flow(R"({"start":"p","states":[{"id":"p","type":"say","play":{"url":"https://x/a.mp3"},"loop":2}]})");
  REQUIRE(flow);
  auto step = run_from(*flow, flow->start);
  REQUIRE(step.actions.size() == 2);
  CHECK(std::get<PlayAction>(step.actions[0]).loop == 2);
  CHECK(std::holds_alternative<HangupAction>(step.actions[1]));
}

TEST_CASE("a say loop cannot spin forever") {
  auto flow = compile_flow(R"({"start":"a","states":[
      {"id":"a","type":"say","say":{"text":"a"},"next":"b"},{"id":"b","type":"say","say":{"text":"b"},"next":"a"}]})");
  REQUIRE(flow);
  auto step = run_from(*flow, flow->start);
  CHECK(step.ended);
  CHECK(step.actions.size() <= 4);
}

TEST_CASE("validation errors name the state and the field") {
  struct Case {
    const char* json;
    const char* message;
  };
  Case cases[] = {
      {R"({"start":"a","states":[{"id":"a","type":"say","say":{"text":"x"},"next":"nowhere"}]})",
       "state 'a': field 'next': no state 'nowhere'"},
      {R"({"start":"a","states":[{"id":"a","type":"dance"}]})", "state 'a': field 'type': unknown state type 'dance'"},
      {R"({"start":"a","states":[{"id":"a","type":"hangup","colour":1}]})", "state 'a': field 'colour': unknown field"},
      {R"({"start":"a","states":[{"id":"a","type":"hangup"},{"id":"a","type":"hangup"}]})",
       "state 'a': field 'id': duplicate state id"},
      {R"({"start":"a","states":[{"id":"a","type":"hangup"},{"id":"b","type":"hangup"}]})",
       "state 'b': field 'id': state is unreachable"},
      {R"({"start":"zz","states":[{"id":"a","type":"hangup"}]})", "field 'start': no state 'zz'"},
      {R"({"states":[{"id":"a","type":"hangup"}]})", "field 'start': is required"},
      {R"({"start":"A","states":[{"id":"A","type":"hangup"}]})", "states[0]: field 'id'"},
      {R"({"start":"a","states":[{"id":"a","type":"say"}]})", "state 'a': field 'say'"},
      {R"({"start":"a","states":[{"id":"a","type":"say","say":{"language":"en-US"}}]})",
       "state 'a': field 'say.text': is required"},
      {R"({"start":"a","states":[{"id":"a","type":"say","say":{"text":"x"},"next":"r"},{"id":"r","type":"reject"}]})",
       "state 'r': field 'type': a reject state must be the flow's start state"},
      {R"({"start":"a","states":[{"id":"a","type":"reject","reason":"nope"}]})", "state 'a': field 'reason'"},
      {R"({"start":"a","states":[]})", "field 'states'"},
      {R"([1,2])", "flow must be a JSON object"},
      {R"({"start":)", "not valid JSON"},
  };
  for (const auto& c : cases) {
    INFO(c.json);
    auto flow = compile_flow(c.json);
    REQUIRE_FALSE(flow);
    CHECK_THAT(flow.error(), Catch::Contains(c.message));
  }
}

TEST_CASE("text limits are enforced") {
  std::string big(kMaxTextBytes + 1, 'a');
  auto flow = compile_flow(R"({"start":"a","states":[{"id":"a","type":"say","say":{"text":")" + big + R"("}}]})");
  REQUIRE_FALSE(flow);
  CHECK_THAT(flow.error(), Catch::Contains("say.text"));
}
