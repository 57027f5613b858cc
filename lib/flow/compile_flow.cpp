#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <unordered_map>

#include "common/identifiers.hpp"
#include "flow/compiled_flow.hpp"

namespace callrouter::flow {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

struct FlowError {
  std::string message;
};

[[noreturn]] void fail(std::string_view state, std::string_view field, std::string_view what) {
  if (state.empty()) throw FlowError{fmt::format("field '{}': {}", field, what)};
  throw FlowError{fmt::format("state '{}': field '{}': {}", state, field, what)};
}

// One state's JSON object, read field by field; remembers which fields were used so that
// anything else is reported as unknown.
class Fields {
 public:
  Fields(object o, std::string_view state) : o_(o), state_(state) {}

  std::optional<element> get(std::string_view key) {
    used_.push_back(key);
    element e;
    if (o_[key].get(e) != simdjson::SUCCESS) return std::nullopt;
    return e;
  }
  std::string text(std::string_view key, bool required, std::string_view fallback = {}) {
    auto e = get(key);
    if (!e) {
      if (required) fail(state_, key, "is required");
      return std::string(fallback);
    }
    return as_text(*e, key, required);
  }
  std::string as_text(element e, std::string_view field, bool non_empty) const {
    std::string_view s;
    if (e.get(s) != simdjson::SUCCESS) fail(state_, field, "must be a string");
    if (non_empty && s.empty()) fail(state_, field, "must not be empty");
    if (s.size() > kMaxTextBytes) fail(state_, field, fmt::format("longer than {} bytes", kMaxTextBytes));
    return std::string(s);
  }
  int integer(std::string_view key, int lo, int hi, int fallback) {
    auto e = get(key);
    if (!e) return fallback;
    std::int64_t n;
    if (e->get(n) != simdjson::SUCCESS || n < lo || n > hi) fail(state_, key, fmt::format("must be an integer {}..{}", lo, hi));
    return static_cast<int>(n);
  }
  bool boolean(std::string_view key, bool fallback) {
    auto e = get(key);
    if (!e) return fallback;
    bool b;
    if (e->get(b) != simdjson::SUCCESS) fail(state_, key, "must be true or false");
    return b;
  }
  void reject_unknown() const {
    for (auto [k, v] : o_) {
      (void)v;
      if (std::find(used_.begin(), used_.end(), k) == used_.end()) fail(state_, k, "unknown field");
    }
  }
  std::string_view state() const { return state_; }
  object raw() const { return o_; }

 private:
  object o_;
  std::string_view state_;
  std::vector<std::string_view> used_{"id", "type"};
};

// Exits are resolved after every state is known.
struct PendingExit {
  std::size_t from;   // state position
  std::string field;  // for error messages: "next", "on.busy", "options.1"
  std::string target;
  StateIndex* slot;
  bool needs_input;   // taken only after the caller pressed or said something
};

class Compiler {
 public:
  explicit Compiler(const FlowReferences& refs) : refs_(refs) {}

  CompileResult run(std::string_view json) {
    simdjson::dom::parser parser;
    element root;
    if (auto err = parser.parse(json.data(), json.size()).get(root)) {
      throw FlowError{fmt::format("flow is not valid JSON: {}", simdjson::error_message(err))};
    }
    object o;
    if (root.get(o) != simdjson::SUCCESS) throw FlowError{"flow must be a JSON object"};
    std::string start_id;
    array states;
    bool has_states = false;
    Fields top(o, "");
    for (auto [k, v] : o) {
      if (k == "name") {
        flow_.name = top.as_text(v, "name", false);
      } else if (k == "description") {
        flow_.description = top.as_text(v, "description", false);
      } else if (k == "start") {
        start_id = top.as_text(v, "start", true);
      } else if (k == "analyze_audio") {
        if (v.get(flow_.analyze_audio) != simdjson::SUCCESS) fail("", k, "must be true or false");
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

    // States are stored in place first so that exit slots (pointers into them) stay valid.
    flow_.states.reserve(states.size());
    std::size_t position = 0;
    for (auto e : states) parse_state(e, position++);
    register_input_exits();
    auto start = index_.find(start_id);
    if (start == index_.end()) fail("", "start", fmt::format("no state '{}'", start_id));
    flow_.start = start->second;
    for (auto& x : exits_) {
      auto it = index_.find(x.target);
      if (it == index_.end()) fail(flow_.states[x.from].id, x.field, fmt::format("no state '{}'", x.target));
      *x.slot = it->second;
    }
    check_reject_first();
    check_no_input_cycles();
    CompileResult result{std::move(flow_), {}};
    warn_unreachable(result);
    return result;
  }

 private:
  void exit(std::size_t from, std::string field, std::string target, StateIndex* slot, bool needs_input = false) {
    exits_.push_back({from, std::move(field), std::move(target), slot, needs_input});
  }

  // `next` and `on.*`: `on` keys outside `allowed` are unknown exits.
  void exits_from(Fields& f, std::size_t at, std::initializer_list<std::pair<std::string_view, StateIndex*>> on_slots,
                  StateIndex* next_slot) {
    if (next_slot != nullptr) {
      if (auto n = f.get("next")) exit(at, "next", f.as_text(*n, "next", true), next_slot);
    }
    if (on_slots.size() == 0) return;
    auto on = f.get("on");
    if (!on) return;
    object o;
    if (on->get(o) != simdjson::SUCCESS) fail(f.state(), "on", "must be an object of outcome -> state");
    for (auto member : o) {
      const std::string_view k = member.key;  // not a binding: clang 14 cannot capture those
      const simdjson::dom::element v = member.value;
      auto field = fmt::format("on.{}", k);
      auto slot = std::find_if(on_slots.begin(), on_slots.end(), [&](const auto& s) { return s.first == k; });
      if (slot == on_slots.end()) fail(f.state(), field, "unknown outcome");
      exit(at, field, f.as_text(v, field, true), slot->second);
    }
  }

  PromptAction prompt(Fields& f, element e, std::string_view field) {
    object o;
    if (e.get(o) != simdjson::SUCCESS) fail(f.state(), field, "must be an object with 'text' or 'url'");
    std::string text, language, voice, url;
    for (auto [k, v] : o) {
      auto sub = fmt::format("{}.{}", field, k);
      if (k == "text") {
        text = f.as_text(v, sub, true);
      } else if (k == "language") {
        language = f.as_text(v, sub, false);
      } else if (k == "voice") {
        voice = f.as_text(v, sub, false);
      } else if (k == "url") {
        url = f.as_text(v, sub, true);
        check_url(f.state(), sub, url);
      } else {
        fail(f.state(), sub, "unknown field");
      }
    }
    if (!text.empty() && !url.empty()) fail(f.state(), field, "has either 'text' or 'url', not both");
    if (!url.empty()) return PlayAction{url, 1};
    if (text.empty()) fail(f.state(), fmt::format("{}.text", field), "is required");
    if (refs_.say_voice_problem) {
      if (auto bad = refs_.say_voice_problem({}, language)) fail(f.state(), fmt::format("{}.language", field), *bad);
      if (auto bad = refs_.say_voice_problem(voice, language)) fail(f.state(), fmt::format("{}.voice", field), *bad);
    }
    return SayAction{text, language, voice, 1};
  }

  QueueSettings queue(Fields& f) {
    QueueSettings q;
    auto e = f.get("queue");
    if (!e) return q;
    object o;
    if (e->get(o) != simdjson::SUCCESS) fail(f.state(), "queue", "must be an object");
    q.enabled = true;
    Fields qf(o, f.state());
    auto int_field = [&](std::string_view k, int lo, int hi, int fallback) {
      auto v = qf.get(k);
      if (!v) return fallback;
      std::int64_t n;
      if (v->get(n) != simdjson::SUCCESS || n < lo || n > hi) fail(f.state(), fmt::format("queue.{}", k), fmt::format("must be an integer {}..{}", lo, hi));
      return static_cast<int>(n);
    };
    q.max_callers = int_field("max_callers", 1, 1000, 10);
    q.max_wait_s = int_field("max_wait_s", 10, 3600, 300);
    q.announce_every_s = int_field("announce_every_s", 10, 600, 30);
    q.priority = int_field("priority", -100, 100, 0);
    if (auto m = qf.get("music_url")) {
      q.music_url = f.as_text(*m, "queue.music_url", true);
      check_url(f.state(), "queue.music_url", q.music_url);
    }
    if (auto a = qf.get("announcement")) q.announcement = prompt(f, *a, "queue.announcement");
    if (auto a = qf.get("position_announcement")) {
      auto said = prompt(f, *a, "queue.position_announcement");
      const auto* say = std::get_if<SayAction>(&said);
      if (say == nullptr || say->text.find(kPositionPlaceholder) == std::string::npos) {
        fail(f.state(), "queue.position_announcement", fmt::format("must be a text prompt containing {}", kPositionPlaceholder));
      }
      q.position_announcement = *say;
    }
    for (auto [k, v] : o) {
      (void)v;
      static constexpr std::string_view known[] = {"max_callers", "max_wait_s", "music_url", "announcement",
                                                   "announce_every_s", "priority", "position_announcement"};
      if (std::find(std::begin(known), std::end(known), k) == std::end(known)) fail(f.state(), fmt::format("queue.{}", k), "unknown field");
    }
    return q;
  }

  void parse_state(element e, std::size_t position) {
    object o;
    if (e.get(o) != simdjson::SUCCESS) throw FlowError{fmt::format("states[{}]: must be an object", position)};
    std::string_view id;
    if (o["id"].get(id) != simdjson::SUCCESS) {
      throw FlowError{fmt::format("states[{}]: field 'id': is required and must be a string", position)};
    }
    if (!is_valid_id(id)) throw FlowError{fmt::format("states[{}]: field 'id': '{}' must match [a-z0-9_-]{{1,64}}", position, id)};
    if (!index_.emplace(std::string(id), static_cast<StateIndex>(position)).second) fail(id, "id", "duplicate state id");
    std::string_view type;
    if (o["type"].get(type) != simdjson::SUCCESS) fail(id, "type", "is required and must be a string");

    flow_.states.push_back(CompiledState{std::string(id), StateType::hangup, HangupState{}});
    auto& state = flow_.states.back();
    Fields f(o, state.id);
    const std::size_t at = position;
    if (type == "say") {
      state.type = StateType::say;
      SayState s;
      int loop = f.integer("loop", 0, 100, 1);
      auto say = f.get("say");
      auto play = f.get("play");
      if (say && play) fail(id, "play", "a say state has either 'say' or 'play', not both");
      if (!say && !play) fail(id, "say", "a say state needs 'say' or 'play'");
      auto p = prompt(f, say ? *say : *play, say ? "say" : "play");
      if (say && std::holds_alternative<PlayAction>(p)) fail(id, "say", "use 'play' for a URL");
      if (play && std::holds_alternative<SayAction>(p)) fail(id, "play", "use 'say' for text");
      std::visit([&](auto& a) { a.loop = loop; }, p);
      std::visit([&](auto& a) { s.speech = a; }, p);
      state.settings = std::move(s);
      exits_from(f, at, {}, &std::get<SayState>(state.settings).next);
    } else if (type == "menu") {
      state.type = StateType::menu;
      state.settings = MenuState{};
      auto& m = std::get<MenuState>(state.settings);
      auto p = f.get("prompt");
      if (!p) fail(id, "prompt", "is required");
      m.prompt.push_back(prompt(f, *p, "prompt"));
      if (const auto* say = std::get_if<SayAction>(&m.prompt.back())) m.language = say->language;
      m.timeout_s = f.integer("timeout_s", 1, 60, 5);
      m.attempts = f.integer("attempts", 1, 10, 3);
      m.num_digits = f.integer("num_digits", 0, 20, 0);
      m.finish_on_key = f.text("finish_on_key", false, "#");
      if (m.finish_on_key.size() > 1 || (m.finish_on_key.size() == 1 && m.finish_on_key != "#" && m.finish_on_key != "*" &&
                                         !(m.finish_on_key[0] >= '0' && m.finish_on_key[0] <= '9'))) {
        fail(id, "finish_on_key", "must be one of 0-9, #, * or empty");
      }
      auto opts = f.get("options");
      if (!opts) fail(id, "options", "is required");
      object oo;
      if (opts->get(oo) != simdjson::SUCCESS) fail(id, "options", "must be an object of digits -> state");
      std::size_t longest = 0;
      for (auto member : oo) {
        const std::string_view k = member.key;  // not a binding: clang 14 cannot capture those
        const simdjson::dom::element v = member.value;
        auto field = fmt::format("options.{}", k);
        if (k.empty() || k.size() > 20 || !std::all_of(k.begin(), k.end(), [](char c) { return (c >= '0' && c <= '9') || c == '*' || c == '#'; })) {
          fail(id, field, "option keys are digits (0-9, *, #)");
        }
        if (std::any_of(m.options.begin(), m.options.end(), [&](const auto& x) { return x.first == k; })) {
          fail(id, field, "duplicate menu key");
        }
        longest = std::max(longest, k.size());
        m.options.emplace_back(std::string(k), kNoState);
        pending_option_targets_.push_back({at, field, f.as_text(v, field, true)});
      }
      if (m.options.empty()) fail(id, "options", "must have at least one option");
      if (m.num_digits != 0 && static_cast<std::size_t>(m.num_digits) < longest) {
        fail(id, "num_digits", "is shorter than the longest option");
      }
      check_options_reachable(id, m, longest);
      if (m.num_digits == 0) m.num_digits = static_cast<int>(longest);
      if (auto sp = f.get("speech")) {
        object so;
        if (sp->get(so) != simdjson::SUCCESS) fail(id, "speech", "must be an object of keyword -> state");
        for (auto [k, v] : so) {
          auto field = fmt::format("speech.{}", k);
          std::string keyword(k);
          std::transform(keyword.begin(), keyword.end(), keyword.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
          if (keyword.empty()) fail(id, field, "keywords must not be empty");
          // The provider takes hints as one comma-separated list: a comma would make two keywords.
          if (keyword.find(',') != std::string::npos) fail(id, field, "keywords must not contain ','");
          m.speech.emplace_back(std::move(keyword), kNoState);
          pending_speech_targets_.push_back({at, field, f.as_text(v, field, true)});
        }
      }
      exits_from(f, at, {{"no_input", &m.on_no_input}, {"invalid", &m.on_invalid}}, nullptr);
    } else if (type == "business_hours") {
      state.type = StateType::business_hours;
      auto hours = parse_business_hours(o, state.id);
      if (!hours) throw FlowError{hours.error()};
      for (auto k : {"timezone", "weekly", "closed_dates", "open_dates"}) f.get(k);
      state.settings = BusinessHoursState{std::move(*hours), kNoState, kNoState};
      auto& b = std::get<BusinessHoursState>(state.settings);
      exits_from(f, at, {{"open", &b.on_open}, {"closed", &b.on_closed}}, nullptr);
      if (!has_on(o, "open") || !has_on(o, "closed")) fail(id, "on", "needs both 'open' and 'closed' exits");
    } else if (type == "branch") {
      state.type = StateType::branch;
      state.settings = BranchState{};
      auto& b = std::get<BranchState>(state.settings);
      auto rules = f.get("rules");
      if (!rules) fail(id, "rules", "is required");
      array ra;
      if (rules->get(ra) != simdjson::SUCCESS) fail(id, "rules", "must be an array");
      b.rules.reserve(ra.size());
      std::size_t i = 0;
      for (auto r : ra) parse_rule(f, r, i++, b, at);
      if (auto d = f.get("default")) exit(at, "default", f.as_text(*d, "default", true), &b.default_next);
    } else if (type == "ring_user") {
      state.type = StateType::ring_user;
      state.settings = RingUserState{};
      auto& r = std::get<RingUserState>(state.settings);
      r.user = f.text("user", true);
      if (refs_.user_exists && !refs_.user_exists(r.user)) fail(id, "user", fmt::format("no telephony user '{}'", r.user));
      r.ring_timeout_s = f.integer("ring_timeout_s", 5, 120, 20);
      r.record = f.boolean("record", false);
      r.queue = queue(f);
      exits_from(f, at, {{"no_answer", &r.on_no_answer}, {"busy", &r.on_busy}, {"unavailable", &r.on_unavailable},
                          {"queue_full", &r.on_queue_full}, {"timeout", &r.on_timeout}, {"completed", &r.on_completed}},
                 nullptr);
    } else if (type == "ring_group") {
      state.type = StateType::ring_group;
      state.settings = RingGroupState{};
      auto& r = std::get<RingGroupState>(state.settings);
      r.group = f.text("group", true);
      if (refs_.group_exists && !refs_.group_exists(r.group)) fail(id, "group", fmt::format("no telephony group '{}'", r.group));
      auto strategy = f.text("strategy", false, "parallel");
      auto parsed = parse_ring_strategy(strategy);
      if (!parsed) fail(id, "strategy", fmt::format("unknown strategy '{}'", strategy));
      r.strategy = *parsed;
      r.ring_timeout_s = f.integer("ring_timeout_s", 5, 120, 20);
      r.max_rounds = f.integer("max_rounds", 1, 10, 1);
      r.record = f.boolean("record", false);
      r.queue = queue(f);
      exits_from(f, at, {{"no_answer", &r.on_no_answer}, {"queue_full", &r.on_queue_full}, {"timeout", &r.on_timeout},
                          {"completed", &r.on_completed}},
                 nullptr);
    } else if (type == "voicemail") {
      state.type = StateType::voicemail;
      state.settings = VoicemailState{};
      auto& v = std::get<VoicemailState>(state.settings);
      if (auto g = f.get("greeting")) v.greeting.push_back(prompt(f, *g, "greeting"));
      v.max_length_s = f.integer("max_length_s", 5, 3600, 120);
      v.finish_on_key = f.text("finish_on_key", false, "#");
      // Any of these keys ends the message; empty: none does (the recording runs to max_length_s).
      for (std::size_t i = 0; i < v.finish_on_key.size(); ++i) {
        const char c = v.finish_on_key[i];
        if (!is_key(c)) fail(id, "finish_on_key", "must be keys from 0-9, #, * (or empty: no key ends the message)");
        if (v.finish_on_key.find(c) != i) fail(id, "finish_on_key", fmt::format("names '{}' twice", c));
      }
      v.transcribe = f.boolean("transcribe", false);
      if (v.transcribe && v.max_length_s > kMaxTranscribedRecordingS) {
        fail(id, "transcribe", fmt::format("needs max_length_s of at most {} (the provider transcribes recordings of 2-{} s only)",
                                           kMaxTranscribedRecordingS, kMaxTranscribedRecordingS));
      }
      if (auto n = f.get("notify")) {
        object no;
        if (n->get(no) != simdjson::SUCCESS) fail(id, "notify", "must be {\"user\": id} or {\"group\": id}");
        for (auto [k, val] : no) {
          auto field = fmt::format("notify.{}", k);
          if (k == "user") {
            v.notify_user = f.as_text(val, field, true);
            if (refs_.user_exists && !refs_.user_exists(v.notify_user)) fail(id, field, fmt::format("no telephony user '{}'", v.notify_user));
          } else if (k == "group") {
            v.notify_group = f.as_text(val, field, true);
            if (refs_.group_exists && !refs_.group_exists(v.notify_group)) fail(id, field, fmt::format("no telephony group '{}'", v.notify_group));
          } else {
            fail(id, field, "unknown field");
          }
        }
      }
      exits_from(f, at, {}, &v.next);
    } else if (type == "forward") {
      state.type = StateType::forward;
      state.settings = ForwardState{};
      auto& fw = std::get<ForwardState>(state.settings);
      fw.number = f.text("number", true);
      if (!is_e164(fw.number)) fail(id, "number", "must be an E.164 number like +14155550100");
      for (const auto& prefix : refs_.blocked_prefixes) {
        if (fw.number.starts_with(prefix)) fail(id, "number", fmt::format("calls to {} numbers are not supported", prefix));
      }
      if (refs_.org_number && refs_.org_number(fw.number)) fail(id, "number", "is one of the org's own numbers; forward calls outside the org");
      fw.caller_id = f.text("caller_id", false, "caller");
      if (fw.caller_id != "caller" && !(refs_.org_number ? refs_.org_number(fw.caller_id) : is_e164(fw.caller_id))) {
        fail(id, "caller_id", "must be \"caller\" or one of the org's numbers");
      }
      fw.timeout_s = f.integer("timeout_s", 5, 120, 30);
      fw.record = f.boolean("record", false);
      exits_from(f, at, {{"completed", &fw.on_completed}, {"no_answer", &fw.on_no_answer}, {"busy", &fw.on_busy},
                          {"failed", &fw.on_failed}},
                 nullptr);
    } else if (type == "hangup") {
      state.type = StateType::hangup;
    } else if (type == "reject") {
      state.type = StateType::reject;
      RejectState r;
      r.reason = f.text("reason", false, "rejected");
      if (r.reason != "busy" && r.reason != "rejected") fail(id, "reason", "must be \"busy\" or \"rejected\"");
      state.settings = r;
    } else {
      fail(id, "type", fmt::format("unknown state type '{}'", type));
    }
    f.reject_unknown();
  }

  static bool is_key(char c) { return (c >= '0' && c <= '9') || c == '#' || c == '*'; }

  // What the provider fetches must be an absolute http(s) URL it can request as written: no
  // spaces, controls or raw non-ASCII (those must be %-encoded), and a host.
  static void check_url(std::string_view state, std::string_view field, std::string_view url) {
    std::string_view rest;
    if (url.starts_with("https://")) {
      rest = url.substr(8);
    } else if (url.starts_with("http://")) {
      rest = url.substr(7);
    } else {
      fail(state, field, "must be an http(s) URL");
    }
    if (rest.empty() || rest.front() == '/' || rest.front() == '?' || rest.front() == '#') fail(state, field, "must name a host");
    static constexpr std::string_view kAllowed = "-._~:/?#[]@!$&'()*+,;=";
    for (std::size_t i = 0; i < url.size(); ++i) {
      const auto c = static_cast<unsigned char>(url[i]);
      if (c == '%') {
        if (i + 2 >= url.size() || !std::isxdigit(static_cast<unsigned char>(url[i + 1])) ||
            !std::isxdigit(static_cast<unsigned char>(url[i + 2]))) {
          fail(state, field, "has a '%' that is not followed by two hex digits");
        }
        continue;
      }
      if (!std::isalnum(c) && kAllowed.find(static_cast<char>(c)) == std::string_view::npos) {
        fail(state, field, fmt::format("has a character a URL cannot carry as is (byte 0x{:02x} at {}): %-encode it", c, i));
      }
    }
  }

  // Options the caller could never choose, or only by waiting out the timeout: the finish key
  // ends input (and is not part of the digits), and input stops after num_digits keys.
  static void check_options_reachable(std::string_view id, const MenuState& m, std::size_t longest) {
    for (const auto& [digits, target] : m.options) {
      const auto field = fmt::format("options.{}", digits);
      if (!m.finish_on_key.empty() && digits.find(m.finish_on_key) != std::string::npos) {
        fail(id, field, fmt::format("contains the finish key '{}', which ends input: the option can never be chosen", m.finish_on_key));
      }
      for (const auto& [other, other_target] : m.options) {
        if (other.size() > digits.size() && other.starts_with(digits)) {
          fail(id, field, fmt::format("is the start of option '{}': a caller pressing {} waits for more digits", other, digits));
        }
      }
    }
    if (static_cast<std::size_t>(m.num_digits) > longest) {
      fail(id, "num_digits", fmt::format("is {} but the longest option has {} digits: every choice would wait for the timeout",
                                         m.num_digits, longest));
    }
  }

  static bool has_on(object o, std::string_view key) {
    object on;
    if (o["on"].get(on) != simdjson::SUCCESS) return false;
    return on[key].error() == simdjson::SUCCESS;
  }

  void parse_rule(Fields& f, element r, std::size_t i, BranchState& b, std::size_t at) {
    auto field = fmt::format("rules[{}]", i);
    object ro;
    if (r.get(ro) != simdjson::SUCCESS) fail(f.state(), field, "must be an object {\"if\": {...}, \"next\": state}");
    object cond;
    if (ro["if"].get(cond) != simdjson::SUCCESS) fail(f.state(), field + ".if", "is required and must be an object");
    std::string_view next;
    if (ro["next"].get(next) != simdjson::SUCCESS) fail(f.state(), field + ".next", "is required");
    for (auto [k, v] : ro) {
      (void)v;
      if (k != "if" && k != "next") fail(f.state(), fmt::format("{}.{}", field, k), "unknown field");
    }
    BranchRule rule{BranchRule::Kind::caller_prefix, {}, kNoState};
    std::size_t conditions = 0;
    for (auto member : cond) {
      const std::string_view k = member.key;  // not a binding: clang 14 cannot capture those
      const simdjson::dom::element v = member.value;
      ++conditions;
      auto cfield = fmt::format("{}.if.{}", field, k);
      auto strings = [&](bool allow_list) {
        std::vector<std::string> out;
        array a;
        if (allow_list && v.get(a) == simdjson::SUCCESS) {
          for (auto x : a) out.push_back(f.as_text(x, cfield, true));
          if (out.empty()) fail(f.state(), cfield, "must not be empty");
        } else {
          out.push_back(f.as_text(v, cfield, true));
        }
        return out;
      };
      if (k == "caller_prefix") {
        rule.kind = BranchRule::Kind::caller_prefix;
        rule.values = strings(true);
      } else if (k == "caller_country") {
        rule.kind = BranchRule::Kind::caller_country;
        rule.values = strings(true);
        for (auto& c : rule.values) {
          if (c.size() != 2 || !std::isupper(static_cast<unsigned char>(c[0])) || !std::isupper(static_cast<unsigned char>(c[1]))) {
            fail(f.state(), cfield, "countries are ISO 3166 codes like \"JP\"");
          }
        }
      } else if (k == "called_number") {
        rule.kind = BranchRule::Kind::called_number;
        rule.values = strings(true);
      } else if (k == "caller_in") {
        rule.kind = BranchRule::Kind::caller_in;
        rule.values = strings(true);
        std::sort(rule.values.begin(), rule.values.end());
      } else if (k == "variable") {
        rule.kind = BranchRule::Kind::variable_equals;
        rule.values.insert(rule.values.begin(), f.as_text(v, cfield, true));
      } else if (k == "equals") {
        rule.values.push_back(f.as_text(v, cfield, false));
      } else {
        fail(f.state(), cfield, "unknown condition (caller_prefix, caller_country, called_number, caller_in, variable/equals)");
      }
    }
    if (rule.kind == BranchRule::Kind::variable_equals) {
      if (rule.values.size() != 2) fail(f.state(), field + ".if", "'variable' needs 'equals'");
    } else if (conditions != 1) {
      fail(f.state(), field + ".if", "needs exactly one condition");
    }
    b.rules.push_back(std::move(rule));
    exit(at, field + ".next", std::string(next), &b.rules.back().next);
  }

  void check_reject_first() {
    for (std::size_t i = 0; i < flow_.states.size(); ++i) {
      if (flow_.states[i].type == StateType::reject && static_cast<StateIndex>(i) != flow_.start) {
        fail(flow_.states[i].id, "type", "a reject state must be the flow's start state");
      }
    }
  }

  // A cycle that needs no caller input (say -> say, or a menu whose no_input exit leads back to
  // it) would loop forever on a silent caller. Option and speech exits need input; others do not.
  void check_no_input_cycles() {
    const auto n = flow_.states.size();
    std::vector<std::vector<std::pair<StateIndex, const PendingExit*>>> edges(n);
    for (const auto& x : exits_) {
      if (!x.needs_input) edges[x.from].emplace_back(*x.slot, &x);
    }
    std::vector<int> colour(n, 0);  // 0 new, 1 on the stack, 2 done
    std::function<void(std::size_t)> visit = [&](std::size_t s) {
      colour[s] = 1;
      for (auto [to, x] : edges[s]) {
        if (colour[to] == 1) {
          fail(flow_.states[s].id, x->field,
               fmt::format("leads back to '{}' without waiting for the caller: the call would loop forever",
                           flow_.states[to].id));
        }
        if (colour[to] == 0) visit(static_cast<std::size_t>(to));
      }
      colour[s] = 2;
    };
    for (std::size_t s = 0; s < n; ++s) {
      if (colour[s] == 0) visit(s);
    }
  }

  void warn_unreachable(CompileResult& result) {
    const auto n = result.flow.states.size();
    std::vector<std::vector<StateIndex>> edges(n);
    for (const auto& x : exits_) edges[x.from].push_back(*x.slot);
    std::vector<bool> seen(n, false);
    std::vector<StateIndex> frontier{result.flow.start};
    seen[result.flow.start] = true;
    while (!frontier.empty()) {
      auto s = frontier.back();
      frontier.pop_back();
      for (auto to : edges[s]) {
        if (!seen[to]) {
          seen[to] = true;
          frontier.push_back(to);
        }
      }
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (!seen[i]) result.warnings.push_back(fmt::format("state '{}': field 'id': state is unreachable from the start state", result.flow.states[i].id));
    }
  }

 public:
  // Menu option and speech targets are registered after parsing, once their vectors stop moving.
  void register_input_exits() {
    std::size_t oi = 0, si = 0;
    for (std::size_t s = 0; s < flow_.states.size(); ++s) {
      auto* m = std::get_if<MenuState>(&flow_.states[s].settings);
      if (m == nullptr) continue;
      for (auto& [digits, target] : m->options) {
        auto& p = pending_option_targets_[oi++];
        exit(s, p.field, p.target, &target, true);
      }
      for (auto& [word, target] : m->speech) {
        auto& p = pending_speech_targets_[si++];
        exit(s, p.field, p.target, &target, true);
      }
    }
  }

 private:
  struct PendingTarget {
    std::size_t from;
    std::string field;
    std::string target;
  };
  const FlowReferences& refs_;
  CompiledFlow flow_;
  std::unordered_map<std::string, StateIndex> index_;
  std::vector<PendingExit> exits_;
  std::vector<PendingTarget> pending_option_targets_;
  std::vector<PendingTarget> pending_speech_targets_;
};

}  // namespace

std::string_view state_type_name(StateType type) {
  static constexpr std::string_view names[] = {"say", "menu", "business_hours", "branch", "ring_user",
                                               "ring_group", "voicemail", "forward", "hangup", "reject"};
  return names[static_cast<std::size_t>(type)];
}

static constexpr std::string_view kStrategyNames[] = {"parallel", "sequential", "round_robin", "longest_idle",
                                                      "fewest_calls", "least_talk_time", "top_down", "random"};

std::optional<RingStrategy> parse_ring_strategy(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kStrategyNames); ++i) {
    if (kStrategyNames[i] == name) return static_cast<RingStrategy>(i);
  }
  return std::nullopt;
}

std::string_view ring_strategy_name(RingStrategy s) { return kStrategyNames[static_cast<std::size_t>(s)]; }

StateIndex CompiledFlow::index_of(std::string_view id) const {
  for (std::size_t i = 0; i < states.size(); ++i) {
    if (states[i].id == id) return static_cast<StateIndex>(i);
  }
  return kNoState;
}

Expected<CompileResult> compile_flow_checked(std::string_view definition_json, const FlowReferences& refs) {
  try {
    Compiler c(refs);
    return c.run(definition_json);
  } catch (const FlowError& e) {
    return unexpected(e.message);
  }
}

Expected<CompiledFlow> compile_flow(std::string_view definition_json, const FlowReferences& refs) {
  auto r = compile_flow_checked(definition_json, refs);
  if (!r) return unexpected(r.error());
  if (!r->warnings.empty()) return unexpected(r->warnings.front());
  return std::move(r->flow);
}

}  // namespace callrouter::flow
