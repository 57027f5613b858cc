#include "flow/evaluate.hpp"

#include <algorithm>

#include "common/identifiers.hpp"

namespace callrouter::flow {
namespace {

constexpr std::string_view kWaitingNames[] = {"none", "gather", "dial", "assign", "queue", "record"};

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

const QueueSettings* queue_of(const CompiledState& s) {
  if (auto* u = std::get_if<RingUserState>(&s.settings)) return &u->queue;
  if (auto* g = std::get_if<RingGroupState>(&s.settings)) return &g->queue;
  return nullptr;
}

bool rule_matches(const BranchRule& rule, const CallContext& ctx) {
  switch (rule.kind) {
    case BranchRule::Kind::caller_prefix:
      return std::any_of(rule.values.begin(), rule.values.end(), [&](const auto& p) { return ctx.caller.starts_with(p); });
    case BranchRule::Kind::caller_country:
      return std::find(rule.values.begin(), rule.values.end(), ctx.caller_country) != rule.values.end();
    case BranchRule::Kind::called_number:
      return std::find(rule.values.begin(), rule.values.end(), ctx.called) != rule.values.end();
    case BranchRule::Kind::caller_in:
      return std::binary_search(rule.values.begin(), rule.values.end(), ctx.caller);
    case BranchRule::Kind::variable_equals:
      for (const auto& [name, value] : ctx.variables) {
        if (name == rule.values[0]) return value == rule.values[1];
      }
      return false;
  }
  return false;
}

class Runner {
 public:
  Runner(const CompiledFlow& flow, const CallContext& ctx, Timestamp now, Step& out)
      : flow_(flow), ctx_(ctx), now_(now), out_(out) {}

  // Enters `s` and follows exits until a state that waits or ends the call.
  void run_from(StateIndex s, std::uint8_t attempts = 0) {
    for (std::size_t hops = 0; hops <= flow_.states.size(); ++hops) {
      if (s == kNoState) return end_with(HangupAction{});
      const auto& state = flow_.states[static_cast<std::size_t>(s)];
      out_.path.push_back(s);
      StateIndex next = kNoState;
      bool stop = std::visit(
          Overloaded{
              [&](const SayState& x) {
                out_.actions.push_back(x.speech);
                next = x.next;
                return false;
              },
              [&](const MenuState& x) {
                GatherAction g;
                g.prompt = x.prompt;
                g.num_digits = x.num_digits;
                g.timeout_s = x.timeout_s;
                g.finish_on_key = x.finish_on_key;
                for (const auto& [word, target] : x.speech) g.speech_hints.push_back(word);
                g.language = x.language;
                g.callback = {Callback::gather, state.id, attempts};
                out_.actions.push_back(std::move(g));
                wait(s, Waiting::gather, attempts);
                return true;
              },
              [&](const BusinessHoursState& x) {
                next = is_open(x.hours, now_) ? x.on_open : x.on_closed;
                return false;
              },
              [&](const BranchState& x) {
                next = x.default_next;
                for (const auto& rule : x.rules) {
                  if (rule_matches(rule, ctx_)) {
                    next = rule.next;
                    break;
                  }
                }
                return false;
              },
              [&](const RingUserState&) {
                out_.assign = assign_request_at(flow_, s, attempts);
                wait(s, Waiting::assign, attempts);
                return true;
              },
              [&](const RingGroupState&) {
                out_.assign = assign_request_at(flow_, s, attempts);
                wait(s, Waiting::assign, attempts);
                return true;
              },
              [&](const VoicemailState& x) {
                for (const auto& p : x.greeting) std::visit([&](const auto& a) { out_.actions.push_back(a); }, p);
                out_.actions.push_back(RecordAction{x.max_length_s, x.finish_on_key, x.transcribe, {Callback::recording, state.id}});
                wait(s, Waiting::record, 0);
                return true;
              },
              [&](const ForwardState& x) {
                DialAction d;
                d.targets.push_back({DialTarget::Kind::number, x.number, {}});
                d.timeout_s = x.timeout_s;
                // The caller's own From is a valid callerId only when it is a number: `anonymous` or
                // `client:alice` is refused by the provider (13214), so the default applies instead.
                if (x.caller_id != "caller") {
                  d.caller_id = x.caller_id;
                } else if (is_e164(ctx_.caller)) {
                  d.caller_id = std::string(ctx_.caller);
                }
                d.record = x.record;
                d.callback = {Callback::dial, state.id};
                out_.actions.push_back(std::move(d));
                wait(s, Waiting::dial, 0);
                return true;
              },
              [&](const HangupState&) {
                end_with(HangupAction{});
                return true;
              },
              [&](const RejectState& x) {
                end_with(RejectAction{x.reason});
                return true;
              },
          },
          state.settings);
      if (stop) return;
      s = next;
    }
    // Validation forbids cycles that need no input; this guards the evaluator all the same.
    end_with(HangupAction{});
  }

  // The current state handles a callback, then the flow continues from where it leads.
  void resume(FlowPosition at, const FlowEvent& ev) {
    const auto& state = flow_.states[static_cast<std::size_t>(at.state)];
    std::visit(
        Overloaded{
            [&](const MenuState& x) { on_gather(at, x, ev); },
            [&](const RingUserState& x) { on_ring(at, ev, x.queue, false, 1, x.on_completed, x.on_no_answer, x.on_busy,
                                                  x.on_unavailable, x.on_queue_full, x.on_timeout); },
            [&](const RingGroupState& x) { on_ring(at, ev, x.queue, true, x.max_rounds, x.on_completed, x.on_no_answer,
                                                   x.on_no_answer, x.on_no_answer, x.on_queue_full, x.on_timeout); },
            [&](const VoicemailState& x) {
              // No recording URL: the caller left nothing (the provider skipped the Record's action
              // and the document's Redirect brought the call back), so it is no voicemail.
              out_.voicemail_url = ev.outcome;
              run_from(x.next);
            },
            [&](const ForwardState& x) {
              auto o = ev.outcome;
              if (o == "completed" || o == "answered") return connected_then(x.on_completed);
              if (o == "busy") return run_from(x.on_busy);
              if (o == "no-answer") return run_from(x.on_no_answer);
              if (o == "canceled") return end_with(HangupAction{});
              run_from(x.on_failed);
            },
            [&](const auto&) { end_with(HangupAction{}); },
        },
        state.settings);
  }

 private:
  void wait(StateIndex s, Waiting w, std::uint8_t attempts) { out_.next = FlowPosition{s, attempts, w}; }
  void end_with(CallAction a) {
    out_.actions.push_back(std::move(a));
    out_.ended = true;
    out_.next = FlowPosition{};
  }
  // An answered call ends the flow when it ends, unless on.completed continues it.
  void connected_then(StateIndex on_completed) {
    if (on_completed == kNoState) return end_with(HangupAction{});
    run_from(on_completed);
  }

  void on_gather(FlowPosition at, const MenuState& m, const FlowEvent& ev) {
    if (!ev.digits.empty()) {
      for (const auto& [digits, target] : m.options) {
        if (digits == ev.digits) return run_from(target);
      }
    } else if (!ev.speech.empty()) {
      std::string said(ev.speech);
      std::transform(said.begin(), said.end(), said.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      for (const auto& [word, target] : m.speech) {
        if (said.find(word) != std::string::npos) return run_from(target);
      }
    }
    const bool no_input = ev.digits.empty() && ev.speech.empty();
    const auto used = static_cast<std::uint8_t>(at.attempts + 1);
    if (used < m.attempts) return run_from(at.state, used);  // ask again
    run_from(no_input ? m.on_no_input : m.on_invalid);
  }

  void on_ring(FlowPosition at, const FlowEvent& ev, const QueueSettings& queue, bool group, int max_rounds,
               StateIndex on_completed, StateIndex on_no_answer, StateIndex on_busy, StateIndex on_unavailable,
               StateIndex on_queue_full, StateIndex on_timeout) {
    const auto o = ev.outcome;
    if (ev.kind == EventKind::assign_result) {
      // Nobody can be rung now: wait in the queue if there is one and it has room, else take the exit.
      if (queue.enabled && o == "queue_full") return run_from(on_queue_full);
      if (queue.enabled && o != "busy") {
        const auto& id = flow_.states[static_cast<std::size_t>(at.state)].id;
        out_.actions.push_back(EnqueueAction{id, {Callback::queue_result, id}, {Callback::queue_wait, id}});
        return wait(at.state, Waiting::queue, at.attempts);
      }
      return run_from(o == "busy" ? on_busy : (group ? on_no_answer : on_unavailable));
    }
    if (ev.kind == EventKind::queue_result) {
      if (o == "hangup") {
        out_.abandoned = true;
        return end_with(HangupAction{});
      }
      if (o == "queue-full") return run_from(on_queue_full);
      if (o == "leave") return run_from(on_timeout);
      if (o == "bridged" || o == "bridging-in-process" || o.starts_with("redirected")) return connected_then(on_completed);
      return run_from(on_no_answer);
    }
    // dial_result
    if (o == "completed" || o == "answered") return connected_then(on_completed);
    if (o == "canceled") return end_with(HangupAction{});
    if (o == "busy" && !group) return run_from(on_busy);
    const int rounds_done = at.attempts + 1;
    if (rounds_done < max_rounds) return run_from(at.state, static_cast<std::uint8_t>(rounds_done));
    run_from(on_no_answer);
  }

  const CompiledFlow& flow_;
  const CallContext& ctx_;
  Timestamp now_;
  Step& out_;
};

}  // namespace

std::string_view waiting_name(Waiting w) { return kWaitingNames[static_cast<std::size_t>(w)]; }

std::optional<Waiting> parse_waiting(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kWaitingNames); ++i) {
    if (kWaitingNames[i] == name) return static_cast<Waiting>(i);
  }
  return std::nullopt;
}

Step step(const CompiledFlow& flow, FlowPosition at, const FlowEvent& event, const CallContext& context,
          Timestamp now) {
  Step out;
  Runner runner(flow, context, now, out);
  if (event.kind == EventKind::enter) {
    runner.run_from(at.state, at.attempts);
  } else if (at.state == kNoState || static_cast<std::size_t>(at.state) >= flow.states.size()) {
    out.actions.push_back(HangupAction{});
    out.ended = true;
  } else {
    runner.resume(at, event);
  }
  return out;
}

std::optional<AssignRequest> assign_request_at(const CompiledFlow& flow, StateIndex state, int round) {
  if (state < 0 || static_cast<std::size_t>(state) >= flow.states.size()) return std::nullopt;
  const auto& s = flow.states[static_cast<std::size_t>(state)];
  if (const auto* g = std::get_if<RingGroupState>(&s.settings)) {
    return AssignRequest{state, true, g->group, g->strategy, g->ring_timeout_s, g->record, round,
                         s.id, g->queue.enabled ? &g->queue : nullptr};
  }
  if (const auto* u = std::get_if<RingUserState>(&s.settings)) {
    return AssignRequest{state, false, u->user, RingStrategy::parallel, u->ring_timeout_s, u->record, round,
                         s.id, u->queue.enabled ? &u->queue : nullptr};
  }
  return std::nullopt;
}

CallActions queue_wait_actions(const CompiledFlow& flow, StateIndex state, int queue_time_s,
                               std::optional<std::size_t> position) {
  CallActions actions;
  const auto* q = (state >= 0 && static_cast<std::size_t>(state) < flow.states.size())
                      ? queue_of(flow.states[static_cast<std::size_t>(state)])
                      : nullptr;
  if (q == nullptr || queue_time_s >= q->max_wait_s) {
    actions.push_back(LeaveAction{});
    return actions;
  }
  const bool periodic = queue_time_s >= q->announce_every_s;
  // The place in line is told on arrival and with every periodic announcement.
  if (q->position_announcement && position && (periodic || queue_time_s == 0)) {
    auto say = *q->position_announcement;
    say.text.replace(say.text.find(kPositionPlaceholder), kPositionPlaceholder.size(), std::to_string(*position));
    actions.push_back(std::move(say));
  }
  if (q->announcement && periodic) {
    std::visit([&](const auto& a) { actions.push_back(a); }, *q->announcement);
  }
  if (!q->music_url.empty()) {
    actions.push_back(PlayAction{q->music_url, 1});
  } else {
    actions.push_back(PauseAction{std::min(q->announce_every_s, q->max_wait_s - queue_time_s)});
  }
  return actions;
}

}  // namespace callrouter::flow
