#include "sim/call_scenario.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <simdjson.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <memory>
#include <mutex>
#include <random>
#include <unordered_map>

#include "common/json_writer.hpp"
#include "sim/agent_client.hpp"
#include "sim/process_stats.hpp"
#include "sim/provider_rest.hpp"
#include "sim/signed_request.hpp"
#include "sim/twiml_document.hpp"
#include "sim/webhook_client.hpp"

namespace callrouter::sim {

namespace asio = boost::asio;

class Scenario;

const char* route_name(int route) {
  static constexpr const char* kNames[] = {"voice", "status", "gather", "dial", "queue_wait", "queue_result", "recording",
                                           "agent_leg_status"};
  return route >= 0 && route < kRoutes ? kNames[route] : "other";
}

namespace {

int route_of(std::string_view path) {
  if (path.starts_with("/twilio/voice")) return Route::voice;
  if (path.starts_with("/twilio/status?agent=")) return Route::agent_status;
  if (path.starts_with("/twilio/status")) return Route::status;
  if (path.starts_with("/twilio/gather")) return Route::gather;
  if (path.starts_with("/twilio/dial")) return Route::dial;
  if (path.starts_with("/twilio/queue/wait")) return Route::queue_wait;
  if (path.starts_with("/twilio/queue/result")) return Route::queue_result;
  if (path.starts_with("/twilio/recording")) return Route::recording;
  return Route::voice;
}

// How long a prompt takes to speak, in call seconds: ~8 characters a second, at least one.
double say_seconds(std::string_view text) {
  std::size_t chars = 0;
  for (unsigned char c : text) chars += (c & 0xC0) != 0x80;
  return std::max(1.0, static_cast<double>(chars) * 0.12);
}

std::string sid_with(char a, char b, std::uint64_t n) { return call_sid(n, a, b); }

std::mutex g_mutex;
Scenario* g_running = nullptr;
std::atomic<bool> g_stop_requested{false};  // set from a signal handler

}  // namespace

// ---- state --------------------------------------------------------------------------------------

struct SimAgentState {
  SimAgent who;
  std::shared_ptr<AgentClient> client;
  std::string ringing_for;  // call sid while this agent's phone rings
  std::string talking_on;   // call sid while on a call
};

struct Leg {
  std::string sid;
  SimAgentState* agent = nullptr;  // null: an outside number
  std::string status_callback;
  std::string to;
  int seq = 0;
  bool open = true;  // still ringing
};

struct SimCall {
  std::string sid;
  const SimOrg* org = nullptr;
  std::string from, to;
  Clock::time_point first_intended;
  std::vector<TwimlVerb> verbs;
  std::size_t pc = 0;
  std::uint64_t gen = 0;  // bumps when the document is replaced: older timers do nothing
  double call_s = 0;      // simulated seconds since the call started
  int status_seq = 0;
  bool answered = false, ended = false;
  std::optional<Params> held_in_progress;  // reordered: sent after the final callback
  // queue
  bool in_queue = false;
  std::uint64_t queue_epoch = 0;
  std::string queue_action, queue_wait;
  double queue_s = 0;
  // dial
  bool dialing = false, bridged = false;
  std::vector<Leg> legs;
  std::string dial_action;
  // outcome, for the report and the demo line
  std::string outcome = "hangup";
  std::string agent_user, flow_path, disposition;
  double ring_s = 0, talk_s = 0;
  bool offered = false;
  Clock::time_point last_turn_intended;  // the latest flow-advancing webhook's scheduled time
};

class Scenario {
 public:
  Scenario(const ScenarioTarget& t, const ScenarioOptions& o)
      : target_(t), o_(o), rng_(o.seed), client_(io_, t.daemon, o.connections, kRoutes), api_(io_, t.daemon, 8, 1) {}

  ScenarioReport run();
  void call_update(std::string sid, std::string twiml) {
    asio::post(io_, [this, sid = std::move(sid), twiml = std::move(twiml)] { on_call_update(sid, twiml); });
  }

 private:
  // set-up
  void connect_agents();
  // arrivals
  void place_next();
  void place_call(Clock::time_point intended);
  // TwiML execution
  void run_document(SimCall& c, const WebhookResult& r, int route);
  void step(SimCall& c);
  void after(SimCall& c, double call_seconds, std::function<void(Clock::time_point)> fn, bool advance = true);
  void gather(SimCall& c, const TwimlVerb& v);
  void dial(SimCall& c, const TwimlVerb& v);
  void leg_answered(SimCall& c, std::size_t leg, Clock::time_point at);
  void leg_closed(SimCall& c, std::size_t leg, std::string_view status, Clock::time_point at);
  void dial_finished(SimCall& c, std::string_view status, Clock::time_point at);
  void enqueue(SimCall& c, const TwimlVerb& v);
  void fetch_wait(SimCall& c, Clock::time_point at);
  void leave_queue(SimCall& c, std::string_view result, Clock::time_point at);
  void record(SimCall& c, const TwimlVerb& v);
  void end_call(SimCall& c, std::string_view status, Clock::time_point at);
  void on_call_update(const std::string& sid, const std::string& twiml);
  void on_agent_event(AgentClient& a, const AgentEvent& e);
  // webhooks
  Params base_params(const SimCall& c, std::string_view status) const;
  void post(SimCall& c, std::string_view url, Params params, Clock::time_point intended,
            std::function<void(SimCall&, const WebhookResult&)> then);
  void status_callback(SimCall& c, std::string_view status, Clock::time_point at);
  void send_status(SimCall& c, const Params& p, Clock::time_point at);
  void print_line(const SimCall& c);
  void read_back(SimCall& c);
  void finished(SimCall& c);

  const ScenarioTarget& target_;
  ScenarioOptions o_;
  asio::io_context io_{1};
  std::mt19937_64 rng_;
  WebhookClient client_;
  WebhookClient api_;  // set-up only
  std::unordered_map<std::string, std::unique_ptr<SimCall>> calls_;
  std::unordered_map<std::string, std::unique_ptr<SimAgentState>> agents_by_client_;
  std::unordered_map<std::string, SimAgentState*> agents_by_user_;
  asio::steady_timer arrivals_{io_};
  Clock::time_point start_{}, stop_at_{};
  std::uint64_t placed_ = 0, next_call_ = 1, next_leg_ = 1;
  bool stop_placing_ = false;
  ScenarioReport report_;
};

// ---- set-up -------------------------------------------------------------------------------------

void Scenario::connect_agents() {
  std::size_t pending = 0, failed = 0;
  for (const auto& org : target_.orgs) {
    for (const auto& agent : org.agents) {
      auto state = std::make_unique<SimAgentState>();
      state->who = agent;
      agents_by_user_[agent.user_id] = state.get();
      auto* raw = state.get();
      agents_by_client_[agent.client] = std::move(state);
      // An agent key per agent, issued with the system key (POST /v1/keys).
      auto body = fmt::format(R"({{"org":"{}","role":"agent","user_id":"{}"}})", agent.org_id, agent.user_id);
      auto req = fmt::format(
          "POST /v1/keys HTTP/1.1\r\nHost: callrouter\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\n"
          "Content-Length: {}\r\n\r\n{}",
          target_.system_key, body.size(), body);
      ++pending;
      api_.send(Webhook{Clock::now(), std::move(req), 0, [this, raw, &pending, &failed](WebhookResult r) {
                          --pending;
                          simdjson::dom::parser p;
                          std::string_view key;
                          if (r.status != 201 || p.parse(r.body).get_object()["key"].get(key)) {
                            ++failed;
                            return;
                          }
                          raw->client = std::make_shared<AgentClient>(
                              io_, target_.daemon, std::string(key), raw->who.user_id,
                              [this](AgentClient& a, const AgentEvent& e) { on_agent_event(a, e); });
                          raw->client->start();
                        }});
    }
  }
  while (pending > 0) io_.run_one();
  if (failed) std::fprintf(stderr, "scenario: %zu agent keys could not be issued\n", failed);
  // Every agent connected and set available before the first call.
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    io_.run_for(std::chrono::milliseconds(20));
    std::size_t up = 0;
    for (auto& [_, a] : agents_by_client_) up += a->client && a->client->connected();
    report_.agents_connected = up;
    if (up == agents_by_client_.size() - failed) break;
  }
  io_.run_for(std::chrono::milliseconds(200));  // presence messages land
}

// ---- arrivals -----------------------------------------------------------------------------------

void Scenario::place_next() {
  if (stop_placing_) return;
  const auto due = start_ + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(static_cast<double>(placed_) / o_.calls_per_s));
  if (due >= stop_at_) return;
  arrivals_.expires_at(due);
  arrivals_.async_wait([this, due](boost::system::error_code ec) {
    if (ec) return;
    // Open loop: the call is placed at its slot whatever happened to earlier calls.
    place_call(due);
    ++placed_;
    place_next();
  });
}

void Scenario::place_call(Clock::time_point intended) {
  const auto& org = target_.orgs[next_call_ % target_.orgs.size()];
  auto c = std::make_unique<SimCall>();
  c->sid = call_sid(next_call_ + 7'000'000'000ULL);
  c->org = &org;
  c->from = fmt::format("+8190{:08d}", (next_call_ * 7919) % 100'000'000);
  c->to = chance(rng_) < o_.reception_share ? org.reception_number : org.direct_number;
  c->first_intended = intended;
  ++next_call_;
  auto& call = *c;
  calls_[call.sid] = std::move(c);
  ++report_.calls_placed;
  post(call, o_.public_base_url + "/twilio/voice", base_params(call, "ringing"), intended,
       [this](SimCall& sc, const WebhookResult& r) { run_document(sc, r, Route::voice); });
}

// ---- webhooks -----------------------------------------------------------------------------------

Params Scenario::base_params(const SimCall& c, std::string_view status) const {
  return voice_params(c.org->account, CallParty{c.sid, c.from, c.to, "inbound"}, status);
}

void Scenario::post(SimCall& c, std::string_view url, Params params, Clock::time_point intended,
                    std::function<void(SimCall&, const WebhookResult&)> then) {
  if (!url.starts_with(o_.public_base_url)) {
    ++report_.bad_answers;  // a callback URL outside public_base_url: the provider could not reach it
    return end_call(c, "failed", intended);
  }
  const auto target = url.substr(o_.public_base_url.size());
  const int route = route_of(target);
  if (route != Route::status && route != Route::agent_status) c.last_turn_intended = intended;
  auto bytes = signed_post(c.org->account, o_.public_base_url, target, params, sid_with('I', 'T', next_leg_++));
  ++report_.webhooks;
  client_.send(Webhook{intended, std::move(bytes), route, [this, sid = c.sid, then = std::move(then), route](WebhookResult r) {
                         if (r.status == 0) ++report_.transport_errors;
                         else if (r.status != 200) {
                           // The first few are shown: each is a call the real provider would drop.
                           if (++report_.bad_answers <= 5) {
                             std::fprintf(stderr, "call %s: %s answered %d: %s\n", sid.c_str(), route_name(route), r.status,
                                          r.body.c_str());
                           }
                         }
                         auto it = calls_.find(sid);
                         if (it == calls_.end()) return;
                         if (then) then(*it->second, r);
                       }});
}

void Scenario::send_status(SimCall& c, const Params& p, Clock::time_point at) {
  post(c, o_.public_base_url + "/twilio/status", p, at, {});
  if (chance(rng_) < o_.duplicate_rate) {
    // The provider delivering the same callback twice (a new attempt token, same SequenceNumber).
    ++report_.duplicates_sent;
    post(c, o_.public_base_url + "/twilio/status", p, at, {});
  }
}

void Scenario::status_callback(SimCall& c, std::string_view status, Clock::time_point at) {
  auto p = base_params(c, status);
  p.emplace_back("CallbackSource", "call-progress-events");
  p.emplace_back("SequenceNumber", std::to_string(c.status_seq++));
  p.emplace_back("Timestamp", "Mon, 23 Nov 2026 12:00:00 +0000");
  if (status != "in-progress") {
    p.emplace_back("CallDuration", std::to_string(static_cast<int>(c.call_s)));
    p.emplace_back("Duration", std::to_string(static_cast<int>(c.call_s / 60) + 1));
  }
  if (status == "in-progress" && chance(rng_) < o_.reorder_rate) {
    ++report_.reordered_sent;
    c.held_in_progress = std::move(p);
    return;
  }
  send_status(c, p, at);
}

// ---- TwiML execution ----------------------------------------------------------------------------

void Scenario::after(SimCall& c, double call_seconds, std::function<void(Clock::time_point)> fn, bool advance) {
  if (advance) {
    c.call_s += call_seconds;
    if (c.in_queue) c.queue_s += call_seconds;
  }
  const auto real = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(call_seconds * o_.time_scale));
  const auto due = Clock::now() + real;
  auto timer = std::make_shared<asio::steady_timer>(io_, due);
  timer->async_wait([this, timer, sid = c.sid, gen = c.gen, due, fn = std::move(fn)](boost::system::error_code ec) {
    if (ec) return;
    auto it = calls_.find(sid);
    if (it == calls_.end() || it->second->ended || it->second->gen != gen) return;
    fn(due);  // the webhook this leads to was due at `due`, however late the timer fired
  });
}

void Scenario::run_document(SimCall& c, const WebhookResult& r, int route) {
  if (c.ended) return;
  if (r.status != 200) {
    // Twilio plays its "application error" message and hangs up.
    c.outcome = "error";
    return end_call(c, "completed", Clock::now());
  }
  auto doc = parse_twiml(r.body);
  if (!doc.error.empty()) {
    ++report_.bad_answers;
    std::fprintf(stderr, "call %s: bad TwiML from %s: %s\n", c.sid.c_str(), route_name(route), doc.error.c_str());
    c.outcome = "error";
    return end_call(c, "completed", Clock::now());
  }
  ++c.gen;
  c.verbs = std::move(doc.verbs);
  c.pc = 0;
  if (!c.answered && !(route == Route::voice && !c.verbs.empty() && c.verbs[0].name == "Reject")) {
    c.answered = true;
    status_callback(c, "in-progress", Clock::now());
  }
  step(c);
}

void Scenario::step(SimCall& c) {
  if (c.ended) return;
  const auto now = Clock::now();
  if (c.pc >= c.verbs.size()) {
    if (c.in_queue) return fetch_wait(c, now);  // the wait document played out: ask again
    return end_call(c, "completed", now);        // the document ended: Twilio hangs up
  }
  const auto& v = c.verbs[c.pc++];
  const int loop = std::max(1, v.int_attr("loop", 1));
  if (v.name == "Say") return after(c, say_seconds(v.text) * loop, [this, &c](auto) { step(c); });
  if (v.name == "Play") return after(c, 3.0 * loop, [this, &c](auto) { step(c); });
  if (v.name == "Pause") return after(c, v.int_attr("length", 1), [this, &c](auto) { step(c); });
  if (v.name == "Hangup") return end_call(c, "completed", now);
  if (v.name == "Reject") {
    c.outcome = "rejected";
    return end_call(c, v.attr("reason") == "busy" ? "busy" : "no-answer", now);
  }
  if (v.name == "Leave") return c.in_queue ? leave_queue(c, "leave", now) : step(c);
  if (v.name == "Redirect") {
    return post(c, v.text, base_params(c, "in-progress"), now,
                [this](SimCall& sc, const WebhookResult& r) { run_document(sc, r, Route::voice); });
  }
  if (v.name == "Gather") return gather(c, v);
  if (v.name == "Dial") return dial(c, v);
  if (v.name == "Enqueue") return enqueue(c, v);
  if (v.name == "Record") return record(c, v);
  ++report_.bad_answers;  // a verb the simulator (and the demo flow) does not expect
  std::fprintf(stderr, "call %s: unexpected verb <%s>\n", c.sid.c_str(), v.name.c_str());
  step(c);
}

void Scenario::gather(SimCall& c, const TwimlVerb& v) {
  double prompt_s = 0;
  for (const auto& p : v.children) prompt_s += p.name == "Say" ? say_seconds(p.text) : p.name == "Play" ? 3.0 : 0.0;
  auto digits = menu_digits(o_.caller, rng_);
  const double wait_s = digits.empty() ? v.int_attr("timeout", 5) : 1.5;
  after(c, prompt_s + wait_s, [this, &c, action = std::string(v.attr("action")), digits](Clock::time_point due) {
    auto p = base_params(c, "in-progress");
    p.emplace_back("Digits", digits);
    if (!digits.empty()) p.emplace_back("FinishedOnKey", "");
    post(c, action, std::move(p), due, [this](SimCall& sc, const WebhookResult& r) { run_document(sc, r, Route::gather); });
  });
}

void Scenario::dial(SimCall& c, const TwimlVerb& v) {
  c.dialing = true;
  c.bridged = false;
  c.legs.clear();
  c.dial_action = std::string(v.attr("action"));
  const double timeout_s = v.int_attr("timeout", 30);
  for (const auto& noun : v.children) {
    Leg leg;
    leg.sid = sid_with('C', 'A', 9'000'000'000ULL + next_leg_++);
    leg.status_callback = std::string(noun.attr("statusCallback"));
    if (noun.name == "Client") {
      auto it = agents_by_client_.find(noun.text);
      leg.agent = it == agents_by_client_.end() ? nullptr : it->second.get();
      leg.to = "client:" + noun.text;
    } else {
      leg.to = noun.text;
    }
    c.legs.push_back(std::move(leg));
  }
  if (c.legs.empty()) return dial_finished(c, "failed", Clock::now());
  for (std::size_t i = 0; i < c.legs.size(); ++i) {
    auto* agent = c.legs[i].agent;
    if (agent != nullptr && (!agent->ringing_for.empty() || !agent->talking_on.empty())) {
      // The daemon rang an agent who is already ringing or talking: a routing bug. Declined.
      ++report_.double_rings;
      after(c, 0.5, [this, &c, i](Clock::time_point due) { leg_closed(c, i, "busy", due); }, false);
      continue;
    }
    if (agent != nullptr) agent->ringing_for = c.sid;
    const auto choice = choose(o_.agent, rng_);
    const double ring = uniform(rng_, o_.agent.ring_min_s, o_.agent.ring_max_s);
    if (choice == AgentChoice::answer && ring < timeout_s) {
      after(c, ring, [this, &c, i, ring](Clock::time_point due) {
        c.call_s += ring;
        c.ring_s = ring;
        leg_answered(c, i, due);
      }, false);
    } else if (choice == AgentChoice::decline) {
      after(c, 1.0, [this, &c, i](Clock::time_point due) { leg_closed(c, i, "busy", due); }, false);
    }
  }
  after(c, timeout_s, [this, &c, timeout_s](Clock::time_point due) {
    if (!c.dialing || c.bridged) return;
    c.call_s += timeout_s;
    for (std::size_t i = 0; i < c.legs.size(); ++i) {
      if (c.legs[i].open) leg_closed(c, i, "no-answer", due);
    }
  }, false);
}

namespace {

Params leg_params(const SimCall& c, const Leg& leg, std::string_view status) {
  Params p{{"AccountSid", c.org->account.account_sid},
           {"ApiVersion", "2010-04-01"},
           {"CallSid", leg.sid},
           {"ParentCallSid", c.sid},
           {"CallStatus", std::string(status)},
           {"Direction", "outbound-dial"},
           {"From", c.from},
           {"To", leg.to},
           {"Caller", c.from},
           {"Called", leg.to},
           {"CallbackSource", "call-progress-events"},
           {"SequenceNumber", std::to_string(leg.seq)},
           {"Timestamp", "Mon, 23 Nov 2026 12:00:00 +0000"}};
  return p;
}

}  // namespace

void Scenario::leg_answered(SimCall& c, std::size_t i, Clock::time_point at) {
  auto& leg = c.legs[i];
  if (!c.dialing || c.bridged || !leg.open) return;
  c.bridged = true;
  leg.open = false;
  if (leg.agent) {
    leg.agent->ringing_for.clear();
    leg.agent->talking_on = c.sid;
    c.agent_user = leg.agent->who.user_id;
  } else {
    c.agent_user = leg.to;
  }
  if (!leg.status_callback.empty()) {
    auto p = leg_params(c, leg, "in-progress");
    ++leg.seq;
    post(c, leg.status_callback, std::move(p), at, {});
  }
  // First to answer wins: the other legs stop ringing.
  for (std::size_t k = 0; k < c.legs.size(); ++k) {
    if (k != i && c.legs[k].open) leg_closed(c, k, "canceled", at);
  }
  const double talk = uniform(rng_, o_.agent.talk_min_s, o_.agent.talk_max_s);
  c.talk_s = talk;
  after(c, talk, [this, &c, i, talk](Clock::time_point due) {
    auto& l = c.legs[i];
    if (l.agent) l.agent->talking_on.clear();
    if (!l.status_callback.empty()) {
      auto p = leg_params(c, l, "completed");
      p.emplace_back("CallDuration", std::to_string(static_cast<int>(talk)));
      ++l.seq;
      post(c, l.status_callback, std::move(p), due, {});
    }
    c.outcome = "agent";
    dial_finished(c, "completed", due);
  });
}

void Scenario::leg_closed(SimCall& c, std::size_t i, std::string_view status, Clock::time_point at) {
  auto& leg = c.legs[i];
  if (!leg.open) return;
  leg.open = false;
  if (leg.agent && leg.agent->ringing_for == c.sid) leg.agent->ringing_for.clear();
  if (!leg.status_callback.empty()) {
    auto p = leg_params(c, leg, status);
    p.emplace_back("CallDuration", "0");
    ++leg.seq;
    post(c, leg.status_callback, std::move(p), at, {});
  }
  if (c.bridged) return;
  bool any_open = false, all_busy = true;
  for (const auto& l : c.legs) any_open = any_open || l.open;
  for (const auto& l : c.legs) all_busy = all_busy && !l.open;
  if (any_open) return;
  (void)all_busy;
  dial_finished(c, status == "busy" ? "busy" : "no-answer", at);
}

void Scenario::dial_finished(SimCall& c, std::string_view status, Clock::time_point at) {
  if (!c.dialing) return;
  c.dialing = false;
  auto p = base_params(c, "in-progress");
  p.emplace_back("DialCallStatus", std::string(status));
  if (c.bridged) {
    for (const auto& l : c.legs) {
      if (l.agent && l.agent->who.user_id == c.agent_user) p.emplace_back("DialCallSid", l.sid);
    }
    p.emplace_back("DialCallDuration", std::to_string(static_cast<int>(c.talk_s)));
    p.emplace_back("DialBridged", "true");
  }
  post(c, c.dial_action, std::move(p), at, [this](SimCall& sc, const WebhookResult& r) { run_document(sc, r, Route::dial); });
}

void Scenario::enqueue(SimCall& c, const TwimlVerb& v) {
  c.in_queue = true;
  c.queue_s = 0;
  c.queue_action = std::string(v.attr("action"));
  c.queue_wait = std::string(v.attr("waitUrl"));
  const auto epoch = ++c.queue_epoch;
  // The caller's patience runs beside the wait documents (which replace the call's document).
  const auto real = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(o_.caller.patience_s * std::max(o_.time_scale, 0.001)));
  auto timer = std::make_shared<asio::steady_timer>(io_, Clock::now() + real);
  timer->async_wait([this, timer, sid = c.sid, epoch](boost::system::error_code ec) {
    auto it = calls_.find(sid);
    if (ec || it == calls_.end()) return;
    auto& sc = *it->second;
    if (sc.ended || !sc.in_queue || sc.queue_epoch != epoch) return;
    sc.in_queue = false;
    ++sc.gen;
    sc.outcome = "abandoned";
    auto p = base_params(sc, "in-progress");
    p.emplace_back("QueueResult", "hangup");
    p.emplace_back("QueueTime", std::to_string(static_cast<int>(sc.queue_s)));
    post(sc, sc.queue_action, std::move(p), Clock::now(), {});
    end_call(sc, "completed", Clock::now());
  });
  fetch_wait(c, Clock::now());
}

void Scenario::fetch_wait(SimCall& c, Clock::time_point at) {
  auto p = base_params(c, "in-progress");
  p.emplace_back("QueuePosition", "1");
  p.emplace_back("QueueSid", "QU" + c.sid.substr(2));
  p.emplace_back("QueueTime", std::to_string(static_cast<int>(c.queue_s)));
  p.emplace_back("AvgQueueTime", "10");
  p.emplace_back("CurrentQueueSize", "1");
  p.emplace_back("MaxQueueSize", "100");
  post(c, c.queue_wait, std::move(p), at, [this](SimCall& sc, const WebhookResult& r) {
    if (!sc.in_queue) return;  // moved on while the wait URL was being fetched
    run_document(sc, r, Route::queue_wait);
  });
}

void Scenario::leave_queue(SimCall& c, std::string_view result, Clock::time_point at) {
  c.in_queue = false;
  auto p = base_params(c, "in-progress");
  p.emplace_back("QueueResult", std::string(result));
  p.emplace_back("QueueSid", "QU" + c.sid.substr(2));
  p.emplace_back("QueueTime", std::to_string(static_cast<int>(c.queue_s)));
  post(c, c.queue_action, std::move(p), at,
       [this](SimCall& sc, const WebhookResult& r) { run_document(sc, r, Route::queue_result); });
}

void Scenario::record(SimCall& c, const TwimlVerb& v) {
  const double length = std::min<double>(o_.caller.message_s, v.int_attr("maxLength", 3600));
  c.outcome = "voicemail";
  after(c, 0.5 + length, [this, &c, action = std::string(v.attr("action")),
                          status_url = std::string(v.attr("recordingStatusCallback")), length](Clock::time_point due) {
    const auto rec = sid_with('R', 'E', 5'000'000'000ULL + next_leg_++);
    const auto url = fmt::format("https://api.twilio.com/2010-04-01/Accounts/{}/Recordings/{}", c.org->account.account_sid, rec);
    auto p = base_params(c, "in-progress");
    p.emplace_back("RecordingUrl", url);
    p.emplace_back("RecordingSid", rec);
    p.emplace_back("RecordingDuration", std::to_string(static_cast<int>(length)));
    p.emplace_back("Digits", "hangup");
    post(c, action, std::move(p), due, [this](SimCall& sc, const WebhookResult& r) { run_document(sc, r, Route::recording); });
    if (!status_url.empty()) {
      // The recording status report follows on its own, once the file is stored.
      auto s = base_params(c, "in-progress");
      s.emplace_back("RecordingSid", rec);
      s.emplace_back("RecordingUrl", url);
      s.emplace_back("RecordingStatus", "completed");
      s.emplace_back("RecordingDuration", std::to_string(static_cast<int>(length)));
      s.emplace_back("RecordingChannels", "1");
      s.emplace_back("RecordingSource", "RecordVerb");
      s.emplace_back("RecordingStartTime", "Mon, 23 Nov 2026 12:00:00 +0000");
      post(c, status_url, std::move(s), due, {});
    }
  });
}

void Scenario::end_call(SimCall& c, std::string_view status, Clock::time_point at) {
  if (c.ended) return;
  status_callback(c, status, at);
  c.ended = true;
  ++c.gen;
  for (auto& l : c.legs) {
    if (l.agent && l.agent->ringing_for == c.sid) l.agent->ringing_for.clear();
    if (l.agent && l.agent->talking_on == c.sid) l.agent->talking_on.clear();
  }
  if (c.held_in_progress) send_status(c, *c.held_in_progress, at);  // arrives after the final one
  finished(c);
}

void Scenario::finished(SimCall& c) {
  ++report_.calls_finished;
  ++report_.outcomes[c.outcome];
  if (o_.print_calls) read_back(c);
  // Kept a little longer: responses to its last callbacks may still arrive.
  auto timer = std::make_shared<asio::steady_timer>(io_, Clock::now() + std::chrono::seconds(20));
  timer->async_wait([this, timer, sid = c.sid](boost::system::error_code) { calls_.erase(sid); });
}

// The daemon's own record of the call (flow path, disposition), once its last callback landed.
void Scenario::read_back(SimCall& c) {
  if (target_.admin_key.empty() || c.org != &target_.orgs[0]) return print_line(c);
  auto timer = std::make_shared<asio::steady_timer>(io_, Clock::now() + std::chrono::milliseconds(300));
  timer->async_wait([this, timer, sid = c.sid](boost::system::error_code) {
    auto req = fmt::format("GET /v1/calls/{} HTTP/1.1\r\nHost: callrouter\r\nAuthorization: Bearer {}\r\n\r\n", sid,
                           target_.admin_key);
    api_.send(Webhook{Clock::now(), std::move(req), 0, [this, sid](WebhookResult r) {
                        auto it = calls_.find(sid);
                        if (it == calls_.end()) return;
                        auto& sc = *it->second;
                        simdjson::dom::parser p;
                        simdjson::dom::object o;
                        if (r.status == 200 && p.parse(r.body).get(o) == simdjson::SUCCESS) {
                          simdjson::dom::array path;
                          std::string_view v;
                          sc.flow_path.clear();
                          if (o["flow_path"].get(path) == simdjson::SUCCESS) {
                            for (auto e : path) {
                              if (e.get(v) != simdjson::SUCCESS) continue;
                              if (!sc.flow_path.empty()) sc.flow_path += " > ";
                              sc.flow_path += v;
                            }
                          }
                          if (o["disposition"].get(v) == simdjson::SUCCESS) sc.disposition = v;
                        }
                        print_line(sc);
                      }});
  });
}

void Scenario::print_line(const SimCall& c) {
  std::string what;
  if (c.outcome == "agent") what = fmt::format("answered by {} after {:.0f} s ringing, talked {:.0f} s", c.agent_user, c.ring_s, c.talk_s);
  else if (c.outcome == "voicemail") what = "left a voicemail";
  else if (c.outcome == "abandoned") what = "hung up waiting in the queue";
  else if (c.outcome == "rejected") what = "rejected";
  else if (c.outcome == "error") what = "error (see above)";
  else what = "hung up";
  if (!c.disposition.empty()) what += " [" + c.disposition + "]";
  std::printf("%s…  %s → %s  %-40s  %s\n", c.sid.substr(0, 10).c_str(), c.from.c_str(), c.to.c_str(),
              c.flow_path.empty() ? "(path unknown)" : c.flow_path.c_str(), what.c_str());
  std::fflush(stdout);
}

// ---- the daemon's side channels -------------------------------------------------------------

void Scenario::on_call_update(const std::string& sid, const std::string& twiml) {
  ++report_.rest_updates;
  auto it = calls_.find(sid);
  if (it == calls_.end() || it->second->ended) return;
  auto& c = *it->second;
  const auto now = Clock::now();
  if (c.in_queue) {
    // Leaving the queue by redirect: Twilio reports it on the Enqueue action (answer ignored).
    c.in_queue = false;
    auto p = base_params(c, "in-progress");
    p.emplace_back("QueueResult", "redirected");
    p.emplace_back("QueueTime", std::to_string(static_cast<int>(c.queue_s)));
    post(c, c.queue_action, std::move(p), now, {});
  }
  run_document(c, WebhookResult{200, twiml, 0}, Route::voice);
}

void Scenario::on_agent_event(AgentClient& a, const AgentEvent& e) {
  if (e.type == "call.offered") {
    ++report_.offers;
    auto it = calls_.find(e.call_sid);
    if (it != calls_.end() && !it->second->offered) {
      it->second->offered = true;
      it->second->flow_path = e.flow_path;
      const auto now = Clock::now();
      report_.offer.record((now - it->second->first_intended).count());
      // A queued caller is offered when some agent frees up, not in answer to its own webhook.
      if (!it->second->in_queue) report_.offer_after_turn.record((now - it->second->last_turn_intended).count());
    }
  } else if (e.type == "presence.changed" && e.presence == "away") {
    // Auto-away after missed offers: the agent notices and comes back a while later.
    ++report_.auto_away;
    auto timer = std::make_shared<asio::steady_timer>(
        io_, Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(o_.agent.away_return_s * std::max(o_.time_scale, 0.001))));
    auto client = a.shared_from_this();
    timer->async_wait([timer, client](boost::system::error_code ec) {
      if (!ec) client->set_presence("available");
    });
  }
}

// ---- the run --------------------------------------------------------------------------------

ScenarioReport Scenario::run() {
  client_.connect_all();
  api_.connect_all();
  connect_agents();
  start_ = Clock::now() + std::chrono::milliseconds(50);
  stop_at_ = start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.seconds));
  const auto daemon_before = sample_cpu(target_.daemon_pid);
  const auto self_before = sample_cpu(0);
  place_next();
  const auto drain_deadline = stop_at_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.drain_s));
  for (;;) {
    io_.run_for(std::chrono::milliseconds(50));
    if (g_stop_requested && !stop_placing_) {
      stop_placing_ = true;
      arrivals_.cancel();
      std::printf("stopping: no new calls; waiting for the %llu calls in progress\n",
                  static_cast<unsigned long long>(report_.calls_placed - report_.calls_finished));
    }
    const bool placing_done = stop_placing_ || Clock::now() >= stop_at_;
    if (placing_done && report_.calls_finished == report_.calls_placed && client_.in_flight() == 0) break;
    if (Clock::now() >= drain_deadline) break;
  }
  const auto daemon_after = sample_cpu(target_.daemon_pid);
  const auto self_after = sample_cpu(0);
  const auto end = Clock::now();
  report_.seconds = std::chrono::duration<double>(end - start_).count();
  report_.by_route.resize(kRoutes);
  for (int r = 0; r < kRoutes; ++r) {
    report_.by_route[static_cast<std::size_t>(r)] = client_.histogram(r);
    report_.all.merge(client_.histogram(r));
  }
  report_.webhooks_per_s = static_cast<double>(client_.completed()) / report_.seconds;
  report_.daemon_cores = cores_used(daemon_before, daemon_after);
  report_.client_cores = cores_used(self_before, self_after);
  report_.daemon_peak_rss = peak_rss_bytes(target_.daemon_pid);
  for (auto& [_, a] : agents_by_client_) {
    if (a->client) a->client->close();
  }
  io_.run_for(std::chrono::milliseconds(100));
  client_.shutdown();
  api_.shutdown();
  arrivals_.cancel();
  io_.stop();
  return report_;
}


void scenario_call_update(std::string call_sid, std::string twiml) {
  std::lock_guard lock(g_mutex);
  if (g_running) g_running->call_update(std::move(call_sid), std::move(twiml));
}

void scenario_stop() { g_stop_requested = true; }

ScenarioReport run_scenario(const ScenarioTarget& target, const ScenarioOptions& options, ProviderRest&) {
  auto scenario = std::make_unique<Scenario>(target, options);
  {
    std::lock_guard lock(g_mutex);
    g_running = scenario.get();
  }
  auto report = scenario->run();
  {
    std::lock_guard lock(g_mutex);
    g_running = nullptr;
  }
  return report;
}

// ---- reporting ------------------------------------------------------------------------------

void print_scenario(const ScenarioReport& r) {
  std::printf("\ncall scenario: %llu calls placed, %llu finished in %.1f s; %llu webhooks (%.0f/s); "
              "daemon %.2f cores, peak RSS %.0f MiB; simulator %.2f cores\n",
              static_cast<unsigned long long>(r.calls_placed), static_cast<unsigned long long>(r.calls_finished), r.seconds,
              static_cast<unsigned long long>(r.webhooks), r.webhooks_per_s, r.daemon_cores,
              static_cast<double>(r.daemon_peak_rss) / (1 << 20), r.client_cores);
  std::printf("outcomes:");
  for (const auto& [k, v] : r.outcomes) std::printf(" %s %llu", k.c_str(), static_cast<unsigned long long>(v));
  std::printf("\nagents connected %llu, offers %llu, REST call updates %llu, auto-away %llu, double rings %llu, "
              "bad answers %llu, transport errors %llu, duplicates sent %llu, reordered %llu\n",
              static_cast<unsigned long long>(r.agents_connected), static_cast<unsigned long long>(r.offers),
              static_cast<unsigned long long>(r.rest_updates), static_cast<unsigned long long>(r.auto_away),
              static_cast<unsigned long long>(r.double_rings), static_cast<unsigned long long>(r.bad_answers),
              static_cast<unsigned long long>(r.transport_errors), static_cast<unsigned long long>(r.duplicates_sent),
              static_cast<unsigned long long>(r.reordered_sent));
  for (int i = 0; i < kRoutes; ++i) {
    const auto& h = r.by_route[static_cast<std::size_t>(i)];
    if (h.count()) std::printf("  %-17s %s\n", route_name(i), describe_us(h).c_str());
  }
  std::printf("  %-17s %s\n", "all webhooks", describe_us(r.all).c_str());
  std::printf("  %-17s %s\n", "first webhook → offer (includes the caller's menu time)", describe_us(r.offer).c_str());
  std::printf("  %-17s %s\n", "ringing webhook → offer", describe_us(r.offer_after_turn).c_str());
  std::fflush(stdout);
}

std::string scenario_json(const ScenarioReport& r, const ScenarioOptions& o) {
  auto hist = [](JsonWriter& w, const LatencyHistogram& h) {
    auto us = [&](double q) { return fmt::format("{:.1f}", static_cast<double>(h.percentile_ns(q)) / 1000.0); };
    w.begin_object().field("count", h.count());
    w.key("p50").raw(us(0.5)).key("p90").raw(us(0.9)).key("p99").raw(us(0.99)).key("p99_9").raw(us(0.999));
    w.key("max").raw(fmt::format("{:.1f}", static_cast<double>(h.max_ns()) / 1000.0));
    w.end_object();
  };
  JsonWriter w;
  w.begin_object();
  w.key("calls_per_s").raw(fmt::format("{}", o.calls_per_s)).key("seconds").raw(fmt::format("{}", o.seconds));
  w.key("time_scale").raw(fmt::format("{}", o.time_scale));
  w.key("duplicate_rate").raw(fmt::format("{}", o.duplicate_rate)).key("reorder_rate").raw(fmt::format("{}", o.reorder_rate));
  w.field("calls_placed", r.calls_placed).field("calls_finished", r.calls_finished);
  w.key("outcomes").begin_object();
  for (const auto& [k, v] : r.outcomes) w.field(k, v);
  w.end_object();
  w.field("webhooks", r.webhooks).key("webhooks_per_s").raw(fmt::format("{:.0f}", r.webhooks_per_s));
  w.field("bad_answers", r.bad_answers).field("transport_errors", r.transport_errors);
  w.field("agents_connected", r.agents_connected).field("offers", r.offers).field("rest_call_updates", r.rest_updates);
  w.field("auto_away", r.auto_away).field("double_rings", r.double_rings);
  w.key("daemon_cpu_cores").raw(fmt::format("{:.3f}", r.daemon_cores));
  w.key("client_cpu_cores").raw(fmt::format("{:.3f}", r.client_cores));
  w.key("daemon_peak_rss_mib").raw(fmt::format("{:.1f}", static_cast<double>(r.daemon_peak_rss) / (1 << 20)));
  w.key("latency_us_by_route").begin_object();
  for (int i = 0; i < kRoutes; ++i) {
    if (r.by_route[static_cast<std::size_t>(i)].count() == 0) continue;
    w.key(route_name(i));
    hist(w, r.by_route[static_cast<std::size_t>(i)]);
  }
  w.key("all");
  hist(w, r.all);
  w.end_object();
  w.key("first_webhook_to_offer_us");
  hist(w, r.offer);
  w.key("ringing_webhook_to_offer_us");
  hist(w, r.offer_after_turn);
  w.end_object();
  return w.take();
}

}  // namespace callrouter::sim
