#include <fmt/format.h>
#include <simdjson.h>

#include <unordered_map>

#include "flow/compiled_flow.hpp"

namespace callrouter::flow {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

struct FlowError {
  std::string message;
};

[[noreturn]] void fail(std::string_view state, std::string_view field, std::string_view what) {
  if (state.empty()) throw FlowError{fmt::format("field '{}': {}", field, what)};
  throw FlowError{fmt::format("state '{}': field '{}': {}", state, field, what)};
}

std::string text_field(element e, std::string_view state, std::string_view field, bool required) {
  std::string_view s;
  if (e.get(s) != simdjson::SUCCESS) fail(state, field, "must be a string");
  if (required && s.empty()) fail(state, field, "must not be empty");
  if (s.size() > kMaxTextBytes) fail(state, field, fmt::format("longer than {} bytes", kMaxTextBytes));
  return std::string(s);
}

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// `say` {text, language, voice} or `play` {url}; shared by say states and (later) prompts.
CallAction parse_speech(object state, std::string_view id, int loop) {
  element e;
  if (state["say"].get(e) == simdjson::SUCCESS) {
    object o;
    if (e.get(o) != simdjson::SUCCESS) fail(id, "say", "must be an object");
    SayAction say;
    say.loop = loop;
    bool has_text = false;
    for (auto [k, v] : o) {
      auto field = fmt::format("say.{}", k);
      if (k == "text") {
        say.text = text_field(v, id, field, true);
        has_text = true;
      } else if (k == "language") {
        say.language = text_field(v, id, field, false);
      } else if (k == "voice") {
        say.voice = text_field(v, id, field, false);
      } else {
        fail(id, field, "unknown field");
      }
    }
    if (!has_text) fail(id, "say.text", "is required");
    return say;
  }
  if (state["play"].get(e) == simdjson::SUCCESS) {
    object o;
    if (e.get(o) != simdjson::SUCCESS) fail(id, "play", "must be an object");
    PlayAction play;
    play.loop = loop;
    for (auto [k, v] : o) {
      auto field = fmt::format("play.{}", k);
      if (k != "url") fail(id, field, "unknown field");
      play.url = text_field(v, id, field, true);
      if (!play.url.starts_with("https://") && !play.url.starts_with("http://")) {
        fail(id, field, "must be an http(s) URL");
      }
    }
    if (play.url.empty()) fail(id, "play.url", "is required");
    return play;
  }
  fail(id, "say", "a say state needs 'say' or 'play'");
}

struct RawState {
  CompiledState state;
  std::string next_id;
};

RawState parse_state(element e, std::size_t position) {
  object o;
  if (e.get(o) != simdjson::SUCCESS) {
    throw FlowError{fmt::format("states[{}]: must be an object", position)};
  }
  std::string_view id;
  if (o["id"].get(id) != simdjson::SUCCESS) {
    throw FlowError{fmt::format("states[{}]: field 'id': is required and must be a string", position)};
  }
  if (!valid_id(id)) {
    throw FlowError{fmt::format("states[{}]: field 'id': '{}' must match [a-z0-9_-]{{1,64}}", position, id)};
  }
  std::string_view type;
  if (o["type"].get(type) != simdjson::SUCCESS) fail(id, "type", "is required and must be a string");

  RawState raw;
  raw.state.id = std::string(id);
  int loop = 1;
  std::vector<std::string_view> allowed{"id", "type"};
  if (type == "say") {
    raw.state.type = StateType::say;
    allowed.insert(allowed.end(), {"say", "play", "loop", "next"});
    element l;
    if (o["loop"].get(l) == simdjson::SUCCESS) {
      std::int64_t n;
      if (l.get(n) != simdjson::SUCCESS || n < 0 || n > 100) fail(id, "loop", "must be an integer 0..100");
      loop = static_cast<int>(n);
    }
    if (o["say"].error() == simdjson::SUCCESS && o["play"].error() == simdjson::SUCCESS) {
      fail(id, "play", "a say state has either 'say' or 'play', not both");
    }
    raw.state.action = parse_speech(o, id, loop);
    element n;
    if (o["next"].get(n) == simdjson::SUCCESS) raw.next_id = text_field(n, id, "next", true);
  } else if (type == "hangup") {
    raw.state.type = StateType::hangup;
    raw.state.action = HangupAction{};
  } else if (type == "reject") {
    raw.state.type = StateType::reject;
    allowed.push_back("reason");
    RejectAction reject;
    element r;
    if (o["reason"].get(r) == simdjson::SUCCESS) {
      reject.reason = text_field(r, id, "reason", true);
      if (reject.reason != "busy" && reject.reason != "rejected") {
        fail(id, "reason", "must be \"busy\" or \"rejected\"");
      }
    }
    raw.state.action = reject;
  } else if (type == "menu" || type == "business_hours" || type == "branch" || type == "ring_user" ||
             type == "ring_group" || type == "voicemail" || type == "forward") {
    fail(id, "type", fmt::format("'{}' is not supported by this release yet", type));
  } else {
    fail(id, "type", fmt::format("unknown state type '{}'", type));
  }
  for (auto [k, v] : o) {
    (void)v;
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
      fail(id, k, "unknown field");
    }
  }
  return raw;
}

CompiledFlow compile(std::string_view json) {
  simdjson::dom::parser parser;
  element root;
  if (auto err = parser.parse(json.data(), json.size()).get(root)) {
    throw FlowError{fmt::format("flow is not valid JSON: {}", simdjson::error_message(err))};
  }
  object o;
  if (root.get(o) != simdjson::SUCCESS) throw FlowError{"flow must be a JSON object"};
  CompiledFlow flow;
  std::string start_id;
  simdjson::dom::array states;
  bool has_states = false;
  for (auto [k, v] : o) {
    if (k == "name") {
      flow.name = text_field(v, "", "name", false);
    } else if (k == "description") {
      flow.description = text_field(v, "", "description", false);
    } else if (k == "start") {
      start_id = text_field(v, "", "start", true);
    } else if (k == "states") {
      if (v.get(states) != simdjson::SUCCESS) fail("", "states", "must be an array");
      has_states = true;
    } else {
      fail("", k, "unknown field");
    }
  }
  if (start_id.empty()) fail("", "start", "is required");
  if (!has_states || states.size() == 0) fail("", "states", "must list at least one state");
  if (states.size() > kMaxStates) fail("", "states", fmt::format("more than {} states", kMaxStates));

  std::vector<RawState> raw;
  std::unordered_map<std::string, StateIndex> index;
  std::size_t position = 0;
  for (auto e : states) {
    raw.push_back(parse_state(e, position++));
    auto [it, inserted] = index.emplace(raw.back().state.id, static_cast<StateIndex>(raw.size() - 1));
    if (!inserted) fail(raw.back().state.id, "id", "duplicate state id");
  }
  auto start = index.find(start_id);
  if (start == index.end()) fail("", "start", fmt::format("no state '{}'", start_id));
  flow.start = start->second;

  for (auto& r : raw) {
    if (!r.next_id.empty()) {
      auto it = index.find(r.next_id);
      if (it == index.end()) fail(r.state.id, "next", fmt::format("no state '{}'", r.next_id));
      r.state.next = it->second;
    }
    flow.states.push_back(std::move(r.state));
  }
  // A reject only leaves a call unanswered and unbilled when nothing was said before it.
  for (std::size_t i = 0; i < flow.states.size(); ++i) {
    const auto& s = flow.states[i];
    if (s.type == StateType::reject && static_cast<StateIndex>(i) != flow.start) {
      fail(s.id, "type", "a reject state must be the flow's start state");
    }
  }
  // Every state must be reachable from the start: an unreachable state is an admin's mistake.
  std::vector<bool> seen(flow.states.size(), false);
  for (StateIndex at = flow.start; at != kNoState && !seen[at]; at = flow.states[at].next) seen[at] = true;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (!seen[i]) fail(flow.states[i].id, "id", "state is unreachable from the start state");
  }
  return flow;
}

}  // namespace

Expected<CompiledFlow> compile_flow(std::string_view definition_json) {
  try {
    return compile(definition_json);
  } catch (const FlowError& e) {
    return unexpected(e.message);
  }
}

}  // namespace callrouter::flow
