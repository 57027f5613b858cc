// The route table: which method and path reach which handler, and who may call it.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>

#include "api/duplicate_keys.hpp"
#include "app/app.hpp"
#include "ops/metrics.hpp"
#include "provider/twilio/form.hpp"
#include "provider/twilio/render_actions.hpp"
#include "provider/twilio/rest_api.hpp"
#include "server/static_files.hpp"
#include "store/call_records.hpp"
#include "store/config_records.hpp"
#include "store/event_records.hpp"
#include "store/history_records.hpp"

namespace callrouter::app {

using server::HttpRequest;
using server::HttpResponse;
using server::json_error;
using server::Reply;

namespace {

enum class Access { open, twilio, system, admin, any_key };

using Handler = void (*)(App&, HttpRequest&&, const App::Params&, const Principal*, Reply);

struct Route {
  std::string_view method;
  std::string_view pattern;  // "{}" matches one path segment
  Access access;
  Handler handler;
};

// Splits a path into segments and matches it against a pattern; fills `params` for "{}".
bool match(std::string_view pattern, std::string_view path, App::Params& params) {
  params.clear();
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty() || pattern[0] != '/' || path[0] != '/') return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    auto p_end = std::min(pattern.find('/'), pattern.size());
    auto s_end = std::min(path.find('/'), path.size());
    auto p_seg = pattern.substr(0, p_end);
    auto s_seg = path.substr(0, s_end);
    if (p_seg == "{}") {
      if (s_seg.empty()) return false;
      params.push_back(s_seg);
    } else if (p_seg != s_seg) {
      return false;
    }
    pattern.remove_prefix(p_end);
    path.remove_prefix(s_end);
  }
  return true;
}

// A query parameter, decoded (copied: the parsed form is a temporary).
std::string query_param(const HttpRequest& r, std::string_view name) {
  auto form = twilio::parse_form(r.query());
  if (!form) return {};
  return std::string(form->get(name).value_or(""));
}

HttpResponse text(int status, std::string content_type, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

}  // namespace

namespace {

using P = App::Params;
#define CR_HANDLER [](App & app, HttpRequest && r, const P& p, const Principal* who, Reply reply)
// Each route's one-line handler: unpack what the table matched, call the App method.
constexpr std::array kRoutes{
    Route{"GET", "/healthz", Access::open, CR_HANDLER { (void)r, (void)p, (void)who; reply(app.health()); }},
    Route{"GET", "/readyz", Access::open, CR_HANDLER { (void)r, (void)p, (void)who; reply(app.readiness()); }},
    Route{"GET", "/metrics", Access::open, CR_HANDLER { (void)r, (void)p, (void)who; reply(app.metrics_text()); }},
    Route{"POST", "/twilio/voice", Access::twilio, CR_HANDLER { (void)p, (void)who; app.twilio_voice(std::move(r), std::move(reply)); }},
    Route{"GET", "/twilio/voice", Access::twilio, CR_HANDLER { (void)p, (void)who; app.twilio_voice(std::move(r), std::move(reply)); }},
    Route{"POST", "/twilio/status", Access::twilio, CR_HANDLER { (void)p, (void)who; app.twilio_status(std::move(r), std::move(reply)); }},
    Route{"GET", "/twilio/status", Access::twilio, CR_HANDLER { (void)p, (void)who; app.twilio_status(std::move(r), std::move(reply)); }},
    Route{"POST", "/twilio/gather", Access::twilio, CR_HANDLER { (void)p, (void)who; app.twilio_callback(std::move(r), flow::Callback::gather, std::move(reply)); }},
    Route{"POST", "/twilio/dial", Access::twilio, CR_HANDLER { (void)p, (void)who; app.twilio_callback(std::move(r), flow::Callback::dial, std::move(reply)); }},
    Route{"POST", "/twilio/queue/result", Access::twilio, CR_HANDLER { (void)p, (void)who; app.twilio_callback(std::move(r), flow::Callback::queue_result, std::move(reply)); }},
    Route{"POST", "/twilio/queue/wait", Access::twilio, CR_HANDLER { (void)p, (void)who; app.twilio_callback(std::move(r), flow::Callback::queue_wait, std::move(reply)); }},
    Route{"POST", "/twilio/caller-id", Access::twilio, CR_HANDLER { (void)p, (void)who; app.twilio_caller_id(std::move(r), std::move(reply)); }},
    Route{"POST", "/v1/users/{}/caller-ids", Access::any_key, CR_HANDLER { app.request_caller_id(p[0], std::move(r), *who, std::move(reply)); }},
    Route{"POST", "/twilio/recording/status", Access::twilio, CR_HANDLER { (void)p, (void)who; app.twilio_recording_status(std::move(r), std::move(reply)); }},
    Route{"POST", "/twilio/redirect", Access::twilio, CR_HANDLER { (void)p, (void)who; app.twilio_redirect(std::move(r), std::move(reply)); }},
    Route{"GET", "/twilio/redirect", Access::twilio, CR_HANDLER { (void)p, (void)who; app.twilio_redirect(std::move(r), std::move(reply)); }},
    Route{"POST", "/twilio/recording", Access::twilio, CR_HANDLER { (void)p, (void)who; app.twilio_callback(std::move(r), flow::Callback::recording, std::move(reply)); }},
    Route{"POST", "/v1/orgs", Access::system, CR_HANDLER { (void)p; app.create_org(std::move(r), *who, std::move(reply)); }},
    Route{"PATCH", "/v1/orgs/{}", Access::system, CR_HANDLER { (void)who; app.update_org(p[0], std::move(r), std::move(reply)); }},
    Route{"POST", "/v1/keys", Access::any_key, CR_HANDLER { (void)p; app.create_key(std::move(r), *who, std::move(reply)); }},
    Route{"GET", "/v1/keys", Access::admin, CR_HANDLER { (void)r, (void)p; app.list_keys(*who, std::move(reply)); }},
    Route{"DELETE", "/v1/keys/{}", Access::any_key, CR_HANDLER { (void)r; app.revoke_key(p[0], *who, std::move(reply)); }},
    Route{"GET", "/v1/calls", Access::any_key, CR_HANDLER { (void)p; app.list_calls(r.query(), *who, std::move(reply)); }},
    Route{"GET", "/v1/calls.csv", Access::any_key, CR_HANDLER { (void)p; app.export_calls(r.query(), *who, std::move(reply)); }},
    Route{"GET", "/v1/calls/{}", Access::any_key, CR_HANDLER { (void)r; app.get_call(p[0], *who, std::move(reply)); }},
    Route{"GET", "/v1/flows", Access::admin, CR_HANDLER { (void)r, (void)p; app.list_flows(*who, std::move(reply)); }},
    Route{"POST", "/v1/flows", Access::admin, CR_HANDLER { (void)p; app.create_flow(std::move(r), *who, std::move(reply)); }},
    Route{"GET", "/v1/analytics", Access::admin, CR_HANDLER { (void)p; app.get_analytics(r.query(), *who, std::move(reply)); }},
    Route{"GET", "/v1/analytics/live", Access::admin, CR_HANDLER { (void)p; (void)r; app.get_analytics_live(*who, std::move(reply)); }},
    Route{"GET", "/v1/events", Access::admin, CR_HANDLER { (void)p; app.list_events(query_param(r, "after"), query_param(r, "limit"), *who, std::move(reply)); }},
    Route{"GET", "/v1/flows/{}", Access::admin, CR_HANDLER { (void)r; app.get_flow(p[0], *who, std::move(reply)); }},
    Route{"DELETE", "/v1/flows/{}", Access::admin, CR_HANDLER { (void)r; app.delete_flow(p[0], *who, std::move(reply)); }},
    Route{"PUT", "/v1/flows/{}/draft", Access::admin, CR_HANDLER { app.save_draft(p[0], std::move(r), *who, std::move(reply)); }},
    Route{"POST", "/v1/flows/{}/publish", Access::admin, CR_HANDLER { (void)r; app.publish_flow(p[0], *who, std::move(reply)); }},
    Route{"GET", "/v1/flows/{}/diff", Access::admin, CR_HANDLER { (void)r; app.diff_flow(p[0], *who, std::move(reply)); }},
    Route{"POST", "/v1/flows/{}/enable", Access::admin, CR_HANDLER { (void)r; app.set_flow_enabled(p[0], true, *who, std::move(reply)); }},
    Route{"POST", "/v1/flows/{}/disable", Access::admin, CR_HANDLER { (void)r; app.set_flow_enabled(p[0], false, *who, std::move(reply)); }},
    Route{"GET", "/v1/numbers", Access::admin, CR_HANDLER { (void)r, (void)p; app.list_numbers(*who, std::move(reply)); }},
    Route{"GET", "/v1/numbers/available", Access::admin, CR_HANDLER { (void)p; app.available_numbers(query_param(r, "country"), query_param(r, "type"), query_param(r, "contains"), query_param(r, "area_code"), *who, std::move(reply)); }},
    Route{"POST", "/v1/numbers", Access::admin, CR_HANDLER { (void)p; app.buy_number(std::move(r), *who, std::move(reply)); }},
    Route{"DELETE", "/v1/numbers/{}", Access::admin, CR_HANDLER { (void)r; app.release_number(p[0], *who, std::move(reply)); }},
    Route{"GET", "/v1/wallet", Access::admin, CR_HANDLER { (void)r, (void)p; app.get_wallet(*who, std::move(reply)); }},
    Route{"POST", "/v1/wallet/topups", Access::admin, CR_HANDLER { (void)p; app.topup(std::move(r), *who, std::move(reply)); }},
    Route{"PUT", "/v1/wallet/auto-recharge", Access::admin, CR_HANDLER { (void)p; app.set_auto_recharge(std::move(r), *who, std::move(reply)); }},
    Route{"GET", "/v1/wallet/ledger", Access::admin, CR_HANDLER { (void)p; app.get_ledger(query_param(r, "kind"), query_param(r, "after"), query_param(r, "limit"), *who, std::move(reply)); }},
    Route{"GET", "/v1/wallet/usage", Access::admin, CR_HANDLER { (void)r, (void)p; app.get_usage(*who, std::move(reply)); }},
    Route{"GET", "/v1/wallet/events", Access::admin, CR_HANDLER { (void)p; app.billing_events(query_param(r, "after"), *who, std::move(reply)); }},
    Route{"PUT", "/v1/wallet/recording-plan", Access::admin, CR_HANDLER { (void)p; app.set_recording_plan(std::move(r), *who, std::move(reply)); }},
    Route{"DELETE", "/v1/recordings/{}", Access::admin, CR_HANDLER { (void)r; app.delete_recording(p[0], *who, std::move(reply)); }},
    Route{"POST", "/v1/calls", Access::any_key, CR_HANDLER { (void)p; app.click_to_call(std::move(r), *who, std::move(reply)); }},
    Route{"PUT", "/v1/numbers/{}/flow", Access::admin, CR_HANDLER { app.set_number_flow(p[0], std::move(r), *who, std::move(reply)); }},
    Route{"GET", "/v1/users", Access::any_key, CR_HANDLER { (void)p; app.list_users(query_param(r, "group"), *who, std::move(reply)); }},
    Route{"POST", "/v1/users", Access::admin, CR_HANDLER { (void)p; app.save_user({}, std::move(r), *who, std::move(reply)); }},
    Route{"GET", "/v1/users/{}", Access::any_key, CR_HANDLER { (void)r; app.get_user(p[0], *who, std::move(reply)); }},
    Route{"PATCH", "/v1/users/{}", Access::admin, CR_HANDLER { app.save_user(p[0], std::move(r), *who, std::move(reply)); }},
    Route{"DELETE", "/v1/users/{}", Access::admin, CR_HANDLER { (void)r; app.delete_user(p[0], *who, std::move(reply)); }},
    Route{"PUT", "/v1/users/{}/presence", Access::any_key, CR_HANDLER { app.set_presence(p[0], std::move(r), *who, std::move(reply)); }},
    Route{"GET", "/v1/groups", Access::admin, CR_HANDLER { (void)r, (void)p; app.list_groups(*who, std::move(reply)); }},
    Route{"POST", "/v1/groups", Access::admin, CR_HANDLER { (void)p; app.save_group({}, std::move(r), *who, std::move(reply)); }},
    Route{"GET", "/v1/groups/{}", Access::admin, CR_HANDLER { (void)r; app.get_group(p[0], *who, std::move(reply)); }},
    Route{"PATCH", "/v1/groups/{}", Access::admin, CR_HANDLER { app.save_group(p[0], std::move(r), *who, std::move(reply)); }},
    Route{"DELETE", "/v1/groups/{}", Access::admin, CR_HANDLER { (void)r; app.delete_group(p[0], *who, std::move(reply)); }},
    Route{"GET", "/v1/workflows", Access::admin, CR_HANDLER { (void)r, (void)p; app.list_workflows(*who, std::move(reply)); }},
    Route{"POST", "/v1/workflows", Access::admin, CR_HANDLER { (void)p; app.save_workflow({}, std::move(r), *who, std::move(reply)); }},
    Route{"GET", "/v1/workflows/{}", Access::admin, CR_HANDLER { (void)r; app.get_workflow(p[0], *who, std::move(reply)); }},
    Route{"PATCH", "/v1/workflows/{}", Access::admin, CR_HANDLER { app.save_workflow(p[0], std::move(r), *who, std::move(reply)); }},
    Route{"DELETE", "/v1/workflows/{}", Access::admin, CR_HANDLER { (void)r; app.delete_workflow(p[0], *who, std::move(reply)); }},
    Route{"POST", "/v1/workflows/{}/test", Access::admin, CR_HANDLER { (void)r; app.test_workflow(p[0], *who, std::move(reply)); }},
    Route{"GET", "/v1/workflows/{}/deliveries", Access::admin, CR_HANDLER { app.list_deliveries(p[0], query_param(r, "after"), query_param(r, "limit"), *who, std::move(reply)); }},
    Route{"POST", "/v1/deliveries/{}/retry", Access::admin, CR_HANDLER { (void)r; app.retry_delivery(p[0], *who, std::move(reply)); }},
    Route{"POST", "/v1/system/backup", Access::system, CR_HANDLER { (void)p, (void)who; app.backup(std::move(r), std::move(reply)); }},
    Route{"POST", "/v1/system/compact", Access::system, CR_HANDLER { (void)r, (void)p, (void)who; app.compact_journal(std::move(reply)); }},
};
#undef CR_HANDLER

}  // namespace

HttpResponse App::health() const { return text(200, "application/json", R"({"status":"ok"})"); }

HttpResponse App::readiness() const {
  if (!ready_) return json_error(503, "not_ready", "loading state from the journal");
  return text(200, "application/json", R"({"status":"ready"})");
}

HttpResponse App::metrics_text() {
  metrics_.set_counter("callrouter_journal_commits_total", "Journal batches written", static_cast<double>(journal_.commits()));
  metrics_.set_gauge("callrouter_live_calls", "Calls in progress", static_cast<double>(calls_.live_count()));
  metrics_.set_gauge("callrouter_queued_callers", "Callers waiting in queues", static_cast<double>(engine_.queued()));
  const auto& queue_stats = engine_.queue_stats();
  metrics_.set_counter("callrouter_queue_entered_total", "Callers who entered a queue", static_cast<double>(queue_stats.entered));
  metrics_.set_counter("callrouter_queue_assigned_total", "Queued callers moved to an agent", static_cast<double>(queue_stats.assigned));
  metrics_.set_counter("callrouter_queue_abandoned_total", "Queued callers who hung up", static_cast<double>(queue_stats.abandoned));
  metrics_.set_counter("callrouter_queue_left_total", "Queued callers who left by timeout, exit or error", static_cast<double>(queue_stats.left));
  for (const auto& [type, n] : event_counts_) {
    // One family per type keeps the metrics API label-free: call.ended -> callrouter_events_call_ended_total.
    std::string name = "callrouter_events_" + type + "_total";
    std::replace(name.begin(), name.end(), '.', '_');
    metrics_.set_counter(name, "Committed call events of this type", static_cast<double>(n));
  }
  workflow_metrics();
  media_metrics();
  nats_metrics();
  return text(200, "text/plain; version=0.0.4", metrics_.render());
}

std::optional<Principal> App::authenticate(const HttpRequest& request) const {
  auto header = request.header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!header.starts_with(kBearer)) return std::nullopt;
  auto token = header.substr(kBearer.size());
  if (auth::system_key_matches(system_key_, token)) return Principal{auth::Role::system, {}, {}};
  auto parts = auth::split_token(token);
  if (!parts) return std::nullopt;
  const auto* key = directory_.key(parts->id);
  if (key == nullptr || key->revoked || !auth::secret_matches(*key, parts->secret)) return std::nullopt;
  return Principal{key->role, key->org_id, key->user_id};
}

void App::handle(HttpRequest&& request, server::RequestContext& context, Reply reply) {
  const auto path = request.path();
  // The console's static files: open (the page itself holds no data; its API calls need a key).
  if (path == "/ui" || path.starts_with("/ui/")) {
    context.route = "/ui/";
    if (request.method != "GET") {
      auto r = json_error(405, "method_not_allowed", fmt::format("{} is not allowed here", request.method));
      r.headers.emplace_back("Allow", "GET");
      return reply(std::move(r));
    }
    return reply(server::serve_static_file(config_.ui_dir, "/ui", path));
  }
  const Route* found = nullptr;
  std::string allow;
  Params params;
  for (const auto& route : kRoutes) {
    if (!match(route.pattern, path, params)) continue;
    context.route = route.pattern;
    if (route.method == request.method) {
      found = &route;
      break;
    }
    if (!allow.empty()) allow += ", ";
    allow += route.method;
  }
  if (found == nullptr) {
    if (allow.empty()) return reply(json_error(404, "not_found", "no such route"));
    auto r = json_error(405, "method_not_allowed", fmt::format("{} is not allowed here", request.method));
    r.headers.emplace_back("Allow", allow);
    return reply(std::move(r));
  }
  if (found->access == Access::open) return found->handler(*this, std::move(request), params, nullptr, std::move(reply));
  if (!ready_) return reply(json_error(503, "not_ready", "loading state from the journal; retry"));
  if (found->access == Access::twilio) return found->handler(*this, std::move(request), params, nullptr, std::move(reply));

  auto who = authenticate(request);
  if (!who) return reply(json_error(401, "unauthorized", "missing or invalid API key"));
  const bool allowed = (found->access == Access::system && who->role == auth::Role::system) ||
                       (found->access == Access::admin && who->role == auth::Role::admin) ||
                       found->access == Access::any_key;
  if (!allowed) return reply(json_error(403, "forbidden", "this key's role may not do this"));
  if (!request.body.empty()) {
    if (auto key = api::find_duplicate_key(request.body)) {
      return reply(json_error(400, "invalid_request", fmt::format("field '{}': given more than once", *key)));
    }
  }
  found->handler(*this, std::move(request), params, &*who, std::move(reply));
}

App::App(Config config, store::Journal& journal, ops::HttpMetrics& metrics, std::string system_key, Clock clock)
    : config_(std::move(config)),
      journal_(journal),
      engine_(journal, engine::Instructions{[this](const flow::CallActions& actions, std::string_view org_id,
                                                   std::string_view flow_id) {
                                              return twilio::render_twiml(actions, config_.public_base_url, {org_id, flow_id});
                                            },
                                            twilio::kMaxRestTwimlChars}),
      metrics_(metrics),
      system_key_(std::move(system_key)),
      clock_(std::move(clock)) {
  events_.subscribe([this](const events::Event& e) { ++event_counts_[e.type]; });
  wire_workflows();
  // The call log: its rows and indexes are written in the batch of the event that changes them.
  commit_.add_derived(store::derive_history);
  wire_analytics();
}

void App::load(LoadedState state) {
  for (const auto& [org, seq] : state.last_event_seqs) events_.restore(org, seq);
  seed_waiting_calls(state.live_calls);
  engine_.load(std::move(state.directory), std::move(state.live_calls), clock_());
  install_workflows(state);
  start_event_publisher(state);
  follow_clock();
  ready_ = true;
  start_fee_timer();
  start_quiet_call_timer();
}

Expected<LoadedState> load_state(const store::Journal& journal) {
  auto directory = store::load_directory(journal);
  if (!directory) return unexpected(directory.error());
  LoadedState state{std::move(*directory), {}, {}, {}, {}};
  state.directory.for_each_org([&](const engine::Org& org) {
    state.last_event_seqs.emplace_back(org.id, store::last_event_seq(journal, org.id));
  });
  state.live_calls = store::read_live_calls(journal);
  if (auto loaded = load_workflow_state(journal, state); !loaded) return unexpected(loaded.error());
  return state;
}

}  // namespace callrouter::app
