// Flow definitions (docs/flows.md): the compiler with references that exist for some names and not
// others, and the draft/published diff of the input against itself and against a real flow.
// Input: definition NUL another definition.
#include <simdjson.h>

#include "flow/compiled_flow.hpp"
#include "flow/flow_diff.hpp"
#include "fuzz_support.hpp"

using namespace callrouter;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto f = fuzz::split_fields(fuzz::as_text(data, size), 2);
  flow::FlowReferences refs;
  refs.user_exists = [](std::string_view id) { return id.starts_with("u"); };
  refs.group_exists = [](std::string_view id) { return id.starts_with("g"); };
  refs.org_number = [](std::string_view n) { return n.starts_with("+81"); };
  refs.say_voice_problem = [](std::string_view voice, std::string_view) -> std::optional<std::string> {
    if (voice.starts_with("x")) return std::string("no such voice");
    return std::nullopt;
  };
  auto compiled = flow::compile_flow_checked(f[0], refs);
  if (compiled) {
    fuzz::require(!compiled->flow.states.empty() && compiled->flow.states.size() <= flow::kMaxStates, "a flow that compiles has 1..kMaxStates states");
    auto publishable = flow::compile_flow(f[0], refs);
    fuzz::require(!publishable || compiled->warnings.empty(), "a flow with warnings is not publishable");
  } else {
    fuzz::require(!compiled.error().empty(), "a refusal says why");
  }

  if (auto same = flow::diff_flows(f[0], f[0])) {
    simdjson::dom::parser parser;
    bool identical = false;
    fuzz::require(parser.parse(*same)["identical"].get(identical) == simdjson::SUCCESS, "a diff is JSON");
    fuzz::require(identical, "a flow is identical to itself");
  }
  if (auto other = flow::diff_flows(f[0], f[1])) {
    simdjson::dom::parser parser;
    fuzz::require(!parser.parse(*other).error(), "a diff is valid JSON");
  }
  return 0;
}
