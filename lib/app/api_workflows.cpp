// /v1/workflows and /v1/deliveries: the org's workflow rules (configuration, committed like any
// other), their delivery log, a test send and a manual retry; and the wiring of the outbox: the
// derive step that journals a matching rule's delivery in its event's batch, and the runner that
// sends what is owed once it is durable.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <random>

#include "api/query_count.hpp"
#include "app/api_support.hpp"
#include "app/app.hpp"
#include "common/json_writer.hpp"
#include "engine/call_record.hpp"
#include "ops/metrics.hpp"
#include "store/event_records.hpp"
#include "store/workflow_records.hpp"
#include "workflows/match.hpp"
#include "workflows/webhook_signature.hpp"

namespace callrouter::app {

using server::HttpRequest;
using server::json_error;
using server::Reply;

namespace {

constexpr std::size_t kMaxWorkflowsPerOrg = 100;
constexpr std::size_t kDefaultLimit = 100;
constexpr std::size_t kMaxLimit = 1000;

std::string staged_key(std::string_view org_id, std::uint64_t seq) { return fmt::format("{}\n{}", org_id, seq); }

std::string workflow_json(const workflows::Workflow& wf) {
  JsonWriter w;
  workflows::write_workflow(w, wf);
  return w.take();
}

// A call as the trigger would see it, for POST /v1/workflows/{id}/test.
events::Event sample_event(const workflows::Workflow& wf, std::string_view our_number, Timestamp now) {
  using namespace std::chrono_literals;
  const auto trigger = wf.trigger;
  engine::CallRecord call;
  call.sid = "CA00000000000000000000000000000000";
  call.org_id = wf.org_id;
  call.direction = std::string(workflows::direction_of(trigger));
  const std::string customer = "+15555550100";
  call.from = call.direction == "inbound" ? customer : std::string(our_number);
  call.to = call.direction == "inbound" ? std::string(our_number) : customer;
  call.started_at = now - 60s;
  call.status = "ringing";
  const auto type = workflows::event_type_of(trigger);
  if (type == "call.answered" || type == "call.ended") {
    call.connected_at = now - 50s;
    call.user_id = "u_sample";
    call.status = "in-progress";
  }
  if (type == "call.ended" || type == "call.missed" || type == "call.voicemail") {
    call.status = "completed";
    call.ended_at = now;
    call.duration_s = 60;
    call.disposition = type == "call.missed" ? "missed" : type == "call.voicemail" ? "voicemail" : "answered";
  }
  JsonWriter w;
  w.begin_object();
  engine::write_call_fields(w, call);
  w.field("test", true).end_object();
  return events::Event{wf.org_id, 0, std::string(type), now, call.sid, w.take()};
}

}  // namespace

// ---- wiring -------------------------------------------------------------------------------

workflows::RunnerSettings App::runner_settings() const {
  const auto& c = config_.workflows;
  workflows::RunnerSettings s;
  s.retry = {c.retry_first_delay, c.retry_max_delay, c.retry_max_age};
  s.timeout = c.timeout;
  s.endpoint_concurrency = c.endpoint_concurrency;
  s.endpoint_rate_per_s = c.endpoint_rate_per_s;
  s.allow_private_networks = c.allow_private_networks;
  return s;
}

void App::wire_workflows() {
  auto rng = std::make_shared<std::mt19937_64>(std::random_device{}());
  workflows::RunnerWiring wiring;
  wiring.now = [this] { return clock_(); };
  wiring.schedule = [this](std::chrono::milliseconds delay, std::function<void()> fn) {
    if (schedule_) schedule_(delay, std::move(fn));
  };
  wiring.http = [this] { return http_; };
  wiring.commit = [this](store::WriteSet ops) {
    commit_.submit(std::move(ops), [](bool durable) {
      if (!durable) spdlog::warn("workflows: a delivery's new state was not journaled (it is sent again after a restart)");
    });
  };
  wiring.find_workflow = [this](std::string_view org, std::string_view id) { return find_workflow(org, id); };
  wiring.gone = [this](const workflows::Workflow& wf) { disable_gone_workflow(wf); };
  wiring.body = [this](const workflows::Delivery& d) -> std::optional<std::string> {
    auto event = store::read_event(journal_, d.org_id, d.event_seq);
    if (!event) return std::nullopt;
    return workflows::webhook_body(*event, d.trigger, d.workflow_id);
  };
  wiring.random = [rng] { return std::uniform_real_distribution<double>(0.0, 1.0)(*rng); };
  deliveries_ = std::make_unique<workflows::DeliveryRunner>(runner_settings(), std::move(wiring));

  // In the event's batch: the deliveries of the rules it fires (pure: records only, plus the
  // hand-over below keyed by the event itself).
  commit_.add_derived([this](const events::Event& e, store::WriteSet& out) { derive_deliveries(e, out); });
  // Once durable: what was journaled with the event is owed; the runner sends it.
  events_.subscribe([this](const events::Event& e) {
    if (staged_deliveries_.empty()) return;
    auto it = staged_deliveries_.find(staged_key(e.org_id, e.seq));
    if (it == staged_deliveries_.end()) return;
    for (auto& d : it->second) deliveries_->add(std::move(d));
    staged_deliveries_.erase(it);
  });
}

void App::derive_deliveries(const events::Event& e, store::WriteSet& out) {
  // A seq given out again after a refused batch: whatever the lost event staged is void.
  if (!staged_deliveries_.empty()) staged_deliveries_.erase(staged_key(e.org_id, e.seq));
  auto org = workflows_.find(e.org_id);
  if (org == workflows_.end() || org->second.empty()) return;
  std::vector<const workflows::Workflow*> rules;
  rules.reserve(org->second.size());
  for (const auto& [id, wf] : org->second) rules.push_back(&wf);
  auto member_of = [this, &e](std::string_view user, std::string_view group) {
    const auto* g = directory_.group(e.org_id, group);
    return g != nullptr && std::find(g->members.begin(), g->members.end(), user) != g->members.end();
  };
  auto owed = workflows::deliveries_for(e, rules, clock_(), member_of);
  if (owed.empty()) return;
  for (const auto& d : owed) store::put_delivery(d, out);
  staged_deliveries_[staged_key(e.org_id, e.seq)] = std::move(owed);
}

Expected<Ok> load_workflow_state(const store::Journal& journal, LoadedState& state) {
  std::string error;
  state.directory.for_each_org([&](const engine::Org& org) {
    if (!error.empty()) return;
    auto rules = store::load_workflows(journal, org.id);
    if (!rules) {
      error = rules.error();
      return;
    }
    for (auto& r : *rules) state.workflows.push_back(std::move(r));
    for (auto& d : store::read_pending_deliveries(journal, org.id)) state.pending_deliveries.push_back(std::move(d));
  });
  if (!error.empty()) return unexpected(error);
  return Ok{};
}

void App::install_workflows(LoadedState& state) {
  for (auto& wf : state.workflows) {
    auto org = wf.org_id;
    auto id = wf.id;
    workflows_[org].insert_or_assign(std::move(id), std::move(wf));
  }
  // What was owed when the daemon stopped (or died) is owed still: same ids, same bodies.
  for (auto& d : state.pending_deliveries) deliveries_->add(std::move(d));
  if (!state.pending_deliveries.empty()) {
    spdlog::info("workflows: {} pending deliveries resumed", state.pending_deliveries.size());
  }
}

const workflows::Workflow* App::find_workflow(std::string_view org_id, std::string_view id) const {
  auto org = workflows_.find(std::string(org_id));
  if (org == workflows_.end()) return nullptr;
  auto it = org->second.find(std::string(id));
  return it == org->second.end() ? nullptr : &it->second;
}

void App::disable_gone_workflow(const workflows::Workflow& gone) {
  auto updated = gone;
  updated.enabled = false;
  updated.disabled_reason = fmt::format("disabled at {}: the receiver answered 410 Gone", format_rfc3339(clock_()));
  updated.updated_at = clock_();
  spdlog::warn("workflows: org {} workflow {} disabled: {} answered 410 Gone", updated.org_id, updated.id, updated.action.url);
  workflows_[updated.org_id].insert_or_assign(updated.id, updated);
  commit_.submit({store::put_workflow(updated)}, [org = updated.org_id, id = updated.id](bool durable) {
    if (!durable) spdlog::error("workflows: disabling org {} workflow {} was not journaled", org, id);
  });
}

void App::workflow_metrics() {
  const auto& s = deliveries_->stats();
  metrics_.set_counter("callrouter_workflow_deliveries_delivered_total", "Workflow deliveries the receiver accepted (2xx)",
                       static_cast<double>(s.delivered));
  metrics_.set_counter("callrouter_workflow_deliveries_failed_total",
                       "Workflow deliveries given up at once (410 Gone, rule disabled or deleted)", static_cast<double>(s.failed));
  metrics_.set_counter("callrouter_workflow_deliveries_dead_total", "Workflow deliveries whose every try failed",
                       static_cast<double>(s.dead));
  metrics_.set_counter("callrouter_workflow_attempts_total", "Workflow webhook requests sent", static_cast<double>(s.attempts));
  metrics_.set_counter("callrouter_workflow_retries_total", "Failed workflow tries scheduled again", static_cast<double>(s.retries));
  metrics_.set_gauge("callrouter_workflow_outbox_pending", "Workflow deliveries owed", static_cast<double>(deliveries_->pending()));
  const auto oldest = deliveries_->oldest_pending();
  const double age = oldest ? std::chrono::duration<double>(clock_() - *oldest).count() : 0.0;
  metrics_.set_gauge("callrouter_workflow_outbox_oldest_age_seconds", "Age of the oldest owed workflow delivery",
                     std::max(0.0, age));
}

// ---- handlers -----------------------------------------------------------------------------

void App::list_workflows(const Principal& who, Reply reply) {
  JsonWriter w;
  w.begin_object().key("workflows").begin_array();
  if (auto org = workflows_.find(who.org_id); org != workflows_.end()) {
    for (const auto& [id, wf] : org->second) workflows::write_workflow(w, wf);
  }
  w.end_array().end_object();
  reply(json_answer(200, w.take()));
}

void App::get_workflow(std::string_view id, const Principal& who, Reply reply) {
  const auto* wf = find_workflow(who.org_id, id);
  if (wf == nullptr) return reply(json_error(404, "not_found", "no such workflow"));
  reply(json_answer(200, workflow_json(*wf)));
}

void App::save_workflow(std::string_view id, HttpRequest&& request, const Principal& who, Reply reply) {
  const bool creating = id.empty();
  const auto* before = creating ? nullptr : find_workflow(who.org_id, id);
  if (!creating && before == nullptr) return reply(json_error(404, "not_found", "no such workflow"));
  workflows::Workflow base;
  if (before != nullptr) base = *before;
  base.org_id = who.org_id;
  auto parsed = workflows::parse_workflow(
      request.body, std::move(base),
      {creating ? workflows::Source::create : workflows::Source::update, config_.workflows.allow_private_networks});
  if (!parsed) return reply(json_error(400, "invalid_request", parsed.error()));
  auto wf = std::move(parsed->workflow);
  const bool secret_generated = parsed->secret_generated;
  auto& rules = workflows_[who.org_id];
  if (creating) {
    if (rules.contains(wf.id)) return reply(json_error(409, "conflict", "a workflow with this id exists"));
    if (rules.size() >= kMaxWorkflowsPerOrg) {
      return reply(json_error(409, "limit_reached", fmt::format("an org may have at most {} workflows", kMaxWorkflowsPerOrg)));
    }
    wf.created_at = clock_();
  }
  wf.updated_at = clock_();
  std::optional<workflows::Workflow> previous;
  if (before != nullptr) previous = *before;
  rules.insert_or_assign(wf.id, wf);
  commit_.submit({store::put_workflow(wf)}, [this, wf, previous, creating, secret_generated,
                                             reply = std::move(reply)](bool durable) {
    if (!durable) {
      if (previous) {
        workflows_[wf.org_id].insert_or_assign(wf.id, *previous);
      } else {
        workflows_[wf.org_id].erase(wf.id);
      }
      return reply(json_error(503, "journal_unavailable", "the workflow could not be stored; retry"));
    }
    auto body = workflow_json(wf);
    if (secret_generated) {
      // The one time a generated secret is shown: the CRM needs it to verify signatures.
      body.pop_back();
      body.append(",\"secret\":");
      append_json_string(body, wf.action.secret);
      body.push_back('}');
    }
    reply(json_answer(creating ? 201 : 200, std::move(body)));
  });
}

void App::delete_workflow(std::string_view id, const Principal& who, Reply reply) {
  const auto* wf = find_workflow(who.org_id, id);
  if (wf == nullptr) return reply(json_error(404, "not_found", "no such workflow"));
  auto before = *wf;
  workflows_[who.org_id].erase(before.id);
  // Its log stays in the outbox (GET …/deliveries of a re-created id shows it); what is still
  // owed fails at its next try ("the workflow was deleted").
  commit_.submit({store::erase_workflow(who.org_id, before.id)}, [this, before, reply = std::move(reply)](bool durable) {
    if (!durable) {
      workflows_[before.org_id].insert_or_assign(before.id, before);
      return reply(json_error(503, "journal_unavailable", "the workflow could not be removed; retry"));
    }
    reply(json_answer(200, fmt::format(R"({{"id":"{}","deleted":true}})", before.id)));
  });
}

void App::test_workflow(std::string_view id, const Principal& who, Reply reply) {
  const auto* wf = find_workflow(who.org_id, id);
  if (wf == nullptr) return reply(json_error(404, "not_found", "no such workflow"));
  std::string our_number = "+815000000000";
  directory_.for_each_number(who.org_id, [&](const engine::NumberEntry& n) {
    if (our_number == "+815000000000") our_number = n.number;
  });
  const auto event = sample_event(*wf, our_number, clock_());
  unsigned char nonce[8];
  std::random_device rd;
  for (auto& b : nonce) b = static_cast<unsigned char>(rd());
  const auto webhook_id =
      fmt::format("msg_{}_test_{:02x}", who.org_id, fmt::join(std::begin(nonce), std::end(nonce), ""));
  deliveries_->send_once(*wf, webhook_id, workflows::webhook_body(event, wf->trigger, wf->id),
                         [webhook_id, reply = std::move(reply)](outbound::OutboundResponse r) {
                           JsonWriter w;
                           w.begin_object()
                               .field("webhook_id", webhook_id)
                               .field("delivered", r.status >= 200 && r.status < 300)
                               .key("status");
                           if (r.status != 0) {
                             w.value(r.status);
                           } else {
                             w.null();
                           }
                           w.key("error");
                           if (r.error.empty()) {
                             w.null();
                           } else {
                             w.value(r.error);
                           }
                           w.end_object();
                           reply(json_answer(200, w.take()));
                         });
}

void App::list_deliveries(std::string_view workflow_id, std::string_view after_text, std::string_view limit_text,
                          const Principal& who, Reply reply) {
  auto after = api::query_count(after_text, 0);
  if (!after) return reply(json_error(400, "invalid_request", "query 'after': must be an event seq (a non-negative integer)"));
  auto limit = api::query_count(limit_text, kDefaultLimit);
  if (!limit || *limit == 0 || *limit > kMaxLimit) {
    return reply(json_error(400, "invalid_request", fmt::format("query 'limit': must be 1..{}", kMaxLimit)));
  }
  // A deleted rule's log is still readable under its id; an id never used is not found.
  auto rows = store::read_deliveries(journal_, who.org_id, workflow_id, *after, static_cast<std::size_t>(*limit));
  if (rows.empty() && *after == 0 && find_workflow(who.org_id, workflow_id) == nullptr) {
    return reply(json_error(404, "not_found", "no such workflow"));
  }
  JsonWriter w;
  w.begin_object().key("deliveries").begin_array();
  for (const auto& d : rows) workflows::write_delivery(w, d);
  w.end_array().key("next_after");
  if (rows.size() == *limit) {
    w.value(rows.back().event_seq);
  } else {
    w.null();
  }
  w.end_object();
  reply(json_answer(200, w.take()));
}

void App::retry_delivery(std::string_view delivery_id, const Principal& who, Reply reply) {
  auto ref = workflows::parse_delivery_id(who.org_id, delivery_id);
  auto stored = ref ? store::read_delivery(journal_, who.org_id, ref->workflow_id, ref->event_seq) : std::nullopt;
  if (!stored) return reply(json_error(404, "not_found", "no such delivery"));
  if (!stored->final() || deliveries_->is_pending(delivery_id)) {
    return reply(json_error(409, "conflict", "the delivery is still pending; it is retried on its schedule"));
  }
  const auto* wf = find_workflow(who.org_id, stored->workflow_id);
  if (wf == nullptr) return reply(json_error(409, "conflict", "its workflow was deleted"));
  if (!wf->enabled) return reply(json_error(409, "conflict", "its workflow is disabled: enable it first"));
  auto d = std::move(*stored);
  // A new retry window from now, the backoff from its start; the webhook-id (and so the body) stays.
  d.status = workflows::DeliveryStatus::pending;
  d.next_attempt_at = clock_();
  d.window_start = d.next_attempt_at;
  d.attempts_before_window = d.attempts;
  store::WriteSet ops;
  store::put_delivery(d, ops);
  commit_.submit(std::move(ops), [this, d, reply = std::move(reply)](bool durable) mutable {
    if (!durable) return reply(json_error(503, "journal_unavailable", "the retry could not be stored; retry"));
    JsonWriter w;
    workflows::write_delivery(w, d);
    deliveries_->add(std::move(d));
    reply(json_answer(202, w.take()));
  });
}

}  // namespace callrouter::app
