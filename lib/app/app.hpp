// The request handler behind the HTTP server: routes each request to its handler and owns the
// state those handlers share (directory, calls, journal, metrics). Runs on the event-loop thread.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <unordered_set>
#include <optional>
#include <vector>

#include "acd/agent_pool.hpp"
#include "acd/call_queue.hpp"
#include "analytics/waiting_calls.hpp"
#include "app/agent_hub.hpp"
#include "outbound/http_client.hpp"
#include "billing/call_charge.hpp"
#include "billing/rate_card.hpp"
#include "auth/api_key.hpp"
#include "common/json_writer.hpp"
#include "common/time.hpp"
#include "common/wall_clock_steps.hpp"
#include "config/config.hpp"
#include "engine/call_flow.hpp"
#include "engine/directory.hpp"
#include "engine/engine.hpp"
#include "events/event_log.hpp"
#include "flow/call_action.hpp"
#include "flow/compiled_flow.hpp"
#include "nats/event_publisher.hpp"
#include "engine/provider_events.hpp"
#include "provider/twilio/webhook_request.hpp"
#include "runtime/commit_path.hpp"
#include "server/http_message.hpp"
#include "server/websocket_channel.hpp"
#include "store/analytics_records.hpp"
#include "store/journal.hpp"
#include "workflows/delivery_runner.hpp"
#include "workflows/workflow.hpp"

namespace callrouter::ops {
class HttpMetrics;
}

namespace callrouter::app {

struct Principal {
  auth::Role role = auth::Role::agent;
  std::string org_id;   // empty for the system key
  std::string user_id;  // agent keys
};

// What start-up loads from the journal before the app is ready.
struct LoadedState {
  engine::Directory directory;
  std::vector<engine::CallRecord> live_calls;
  std::vector<std::pair<std::string, std::uint64_t>> last_event_seqs;  // per org
  std::vector<workflows::Workflow> workflows;              // every org's rules
  std::vector<workflows::Delivery> pending_deliveries;     // per org in event order (api_workflows.cpp)
};
// The workflow rules and the deliveries still owed (start-up, beside the directory).
Expected<Ok> load_workflow_state(const store::Journal& journal, LoadedState& state);
Expected<LoadedState> load_state(const store::Journal& journal);

using engine::CallBook;
using engine::StoredAnswer;
using engine::WalletBook;

// A stored provider answer as an HTTP response.
server::HttpResponse to_response(const StoredAnswer& answer);

class App {
 public:
  using Clock = std::function<Timestamp()>;
  App(Config config, store::Journal& journal, ops::HttpMetrics& metrics, std::string system_key,
      Clock clock = system_now);

  void handle(server::HttpRequest&& request, server::RequestContext& context, server::Reply reply);

  // Installs what start-up loaded; the app answers 503 (not ready) until then.
  void load(LoadedState state);
  bool ready() const { return ready_; }
  void set_ready(bool ready) { ready_ = ready; }
  // SIGHUP: settings that can change while serving.
  void reload(const Config& config) {
    config_ = config;
    deliveries_->set_settings(runner_settings());
  }
  // Graceful stop: agents' streams are told the server is going away.
  void close_agent_streams() {
    agents_.close_all();
    close_live_boards();
  }
  // Graceful stop: Media Streams end; what they measured is journaled while the loop drains.
  void close_media_streams();
  // After the loop: the NATS publisher's thread ends before the journal closes (nats_events.cpp).
  void stop_event_publisher() { nats_.reset(); }
  // Wiring from the daemon: the provider REST client, and a way to run something later on the loop.
  using Scheduler = std::function<void(std::chrono::milliseconds, std::function<void()>)>;
  void set_outbound(outbound::HttpClient* http, Scheduler schedule) {
    http_ = http;
    schedule_ = std::move(schedule);
  }
  const engine::Directory& directory() const { return engine_.directory(); }
  // The committed call events: consumers subscribe here (in order, once each, after durable).
  events::EventLog& events() { return events_; }
  // The rate card (null: billing off). Set at start and on SIGHUP by the daemon.
  void set_rate_card(std::shared_ptr<const billing::RateCard> rates) {
    rates_ = rates;
    engine_.set_rate_card(std::move(rates));
  }

  using Params = std::vector<std::string_view>;  // path segments matched by {} in a route

  // Route handlers (routes.cpp maps method + path to these).
  void twilio_voice(server::HttpRequest&& request, server::Reply reply);
  void twilio_status(server::HttpRequest&& request, server::Reply reply);
  void twilio_callback(server::HttpRequest&& request, flow::Callback kind, server::Reply reply);
  // Recording status callbacks of <Dial record> (call recordings): storage quota.
  void twilio_recording_status(server::HttpRequest&& request, server::Reply reply);
  // The provider fetching a document too long to send in a REST redirect (queue → agent).
  void twilio_redirect(server::HttpRequest&& request, server::Reply reply);
  void create_org(server::HttpRequest&& request, const Principal& who, server::Reply reply);
  // PATCH /v1/orgs/{id} (system key): sets or clears the org's webhook shared key.
  void update_org(std::string_view id, server::HttpRequest&& request, server::Reply reply);
  void create_key(server::HttpRequest&& request, const Principal& who, server::Reply reply);
  void list_keys(const Principal& who, server::Reply reply);
  void revoke_key(std::string_view id, const Principal& who, server::Reply reply);
  void get_call(std::string_view sid, const Principal& who, server::Reply reply);
  // The call log (api_calls.cpp): GET /v1/calls a page at a time, GET /v1/calls.csv streamed.
  void list_calls(std::string_view query, const Principal& who, server::Reply reply);
  void export_calls(std::string_view query, const Principal& who, server::Reply reply);
  // POST /v1/system/compact (system key): a full compaction, so what retention dropped leaves the disk.
  void compact_journal(server::Reply reply);
  void backup(server::HttpRequest&& request, server::Reply reply);
  void list_flows(const Principal& who, server::Reply reply);
  void create_flow(server::HttpRequest&& request, const Principal& who, server::Reply reply);
  // GET /v1/events: the org's committed call events after `after`, oldest first (change feed).
  void list_events(std::string_view after, std::string_view limit, const Principal& who, server::Reply reply);
  void get_flow(std::string_view id, const Principal& who, server::Reply reply);
  void save_draft(std::string_view id, server::HttpRequest&& request, const Principal& who, server::Reply reply);
  void publish_flow(std::string_view id, const Principal& who, server::Reply reply);
  void diff_flow(std::string_view id, const Principal& who, server::Reply reply);
  void set_flow_enabled(std::string_view id, bool enabled, const Principal& who, server::Reply reply);
  void delete_flow(std::string_view id, const Principal& who, server::Reply reply);
  void list_numbers(const Principal& who, server::Reply reply);
  void set_number_flow(std::string_view number, server::HttpRequest&& request, const Principal& who,
                       server::Reply reply);
  void list_users(std::string_view group_filter, const Principal& who, server::Reply reply);
  void get_user(std::string_view id, const Principal& who, server::Reply reply);
  // `id` empty: create (POST /v1/users); else update (PATCH /v1/users/{id}).
  void save_user(std::string_view id, server::HttpRequest&& request, const Principal& who, server::Reply reply);
  void delete_user(std::string_view id, const Principal& who, server::Reply reply);
  void set_presence(std::string_view id, server::HttpRequest&& request, const Principal& who, server::Reply reply);
  void list_groups(const Principal& who, server::Reply reply);
  void get_group(std::string_view id, const Principal& who, server::Reply reply);
  void save_group(std::string_view id, server::HttpRequest&& request, const Principal& who, server::Reply reply);
  void delete_group(std::string_view id, const Principal& who, server::Reply reply);
  // Billing (api_wallet.cpp, api_numbers.cpp, api_outbound.cpp).
  void get_wallet(const Principal& who, server::Reply reply);
  void topup(server::HttpRequest&& request, const Principal& who, server::Reply reply);
  void set_auto_recharge(server::HttpRequest&& request, const Principal& who, server::Reply reply);
  void get_ledger(std::string_view kind, std::string_view after, std::string_view limit, const Principal& who,
                  server::Reply reply);
  void get_usage(const Principal& who, server::Reply reply);
  void billing_events(std::string_view after, const Principal& who, server::Reply reply);
  void available_numbers(std::string country, std::string type, std::string contains, std::string area_code,
                         const Principal& who, server::Reply reply);
  void buy_number(server::HttpRequest&& request, const Principal& who, server::Reply reply);
  void release_number(std::string_view segment, const Principal& who, server::Reply reply);
  void click_to_call(server::HttpRequest&& request, const Principal& who, server::Reply reply);
  // POST /v1/users/{id}/caller-ids and the provider's verification result (caller_ids.cpp).
  void request_caller_id(std::string_view user_id, server::HttpRequest&& request, const Principal& who,
                         server::Reply reply);
  void twilio_caller_id(server::HttpRequest&& request, server::Reply reply);
  void set_recording_plan(server::HttpRequest&& request, const Principal& who, server::Reply reply);
  void delete_recording(std::string_view recording_sid, const Principal& who, server::Reply reply);
  // Workflows (api_workflows.cpp): rules on call events that call the CRM.
  void list_workflows(const Principal& who, server::Reply reply);
  void get_workflow(std::string_view id, const Principal& who, server::Reply reply);
  // `id` empty: create (POST /v1/workflows); else update (PATCH /v1/workflows/{id}).
  void save_workflow(std::string_view id, server::HttpRequest&& request, const Principal& who, server::Reply reply);
  void delete_workflow(std::string_view id, const Principal& who, server::Reply reply);
  void test_workflow(std::string_view id, const Principal& who, server::Reply reply);
  void list_deliveries(std::string_view workflow_id, std::string_view after, std::string_view limit,
                       const Principal& who, server::Reply reply);
  void retry_delivery(std::string_view delivery_id, const Principal& who, server::Reply reply);
  // Analytics (api_analytics.cpp): GET /v1/analytics and GET /v1/analytics/live.
  void get_analytics(std::string_view query, const Principal& who, server::Reply reply);
  void get_analytics_live(const Principal& who, server::Reply reply);
  // WS /v1/agents/stream: agent key in the Authorization header or ?key= (browsers cannot set
  // headers on a WebSocket).
  server::UpgradeDecision agent_stream(const server::HttpRequest& request);
  // WS /twilio/media (twilio_media.cpp): the provider's Media Streams, signed upgrade.
  server::UpgradeDecision twilio_media(const server::HttpRequest& request);
  // Every WebSocket upgrade: by path to one of the two above.
  server::UpgradeDecision upgrade(const server::HttpRequest& request);
  server::HttpResponse health() const;
  server::HttpResponse readiness() const;
  server::HttpResponse metrics_text();

 private:
  // Authenticates a provider webhook (provider/twilio); on failure it has replied already.
  std::optional<twilio::VerifiedWebhook> verify_twilio(const server::HttpRequest& request, server::Reply& reply);
  std::optional<Principal> authenticate(const server::HttpRequest& request) const;
  // The runtime side of Engine::apply: journals the effects' change, settles it, and once durable
  // replies and delivers notices, moves and timers (503 journal_unavailable if refused).
  void apply(const engine::Event& event, server::Reply reply);
  void run(engine::Effects effects, server::Reply reply);
  void deliver(engine::Effects& effects);
  void start_move(engine::MoveCall move);

  flow::FlowReferences references(std::string_view org_id) const;
  // Calls that started before this are past `history.retention_days` (none: kept for ever).
  std::optional<Timestamp> retention_cutoff() const;
  // Tells the journal's compactions what is old by the clock now: calls past retention, answers
  // past kAnswerKeep. At start, on each history read, and with the fee timer (every minute).
  void follow_clock();
  outbound::HttpClient* http_ = nullptr;
  Scheduler schedule_;

  // Billing.
  server::HttpResponse billing_refusal(const billing::BillingError& e) const;
  void commit_wallet(std::string_view org_id, const billing::WalletDecision& decision, store::WriteSet ops,
                     std::function<server::HttpResponse()> answer, server::Reply reply);
  void stage_billing_events(const billing::WalletDecision& decision, store::WriteSet& ops) {
    engine_.stage_billing_events(decision, ops, clock_());
  }
  std::int64_t monthly_fee_micro(const engine::NumberEntry& number) const;
  void write_number(JsonWriter& w, const engine::NumberEntry& number) const;
  Expected<std::int64_t, server::HttpResponse> number_price(std::string_view country, std::string_view type) const;
  void purchase_number(const std::string& org_id, const std::string& number, const std::string& country,
                       const std::string& type, std::int64_t fee, server::Reply reply);
  void release_at_provider(const std::string& org_id, const std::string& provider_sid, std::function<void(bool)> done);
  void charge_number_fees();
  void start_fee_timer();
  // Calls whose end was never heard of (quiet_calls.cpp).
  void start_quiet_call_timer();
  void check_quiet_calls();
  void check_next_quiet_call();
  void close_quiet_call(const engine::CallRecord& call, const std::string& status,
                        std::optional<std::int64_t> duration_s, std::string_view why);
  std::deque<engine::CallRecord> quiet_checks_;  // the sweep's calls still to ask about
  void save_caller_ids(const engine::TelephonyUser& updated, std::function<void(bool)> done);
  std::shared_ptr<const billing::RateCard> rates_;
  std::uint64_t topup_counter_ = 0;
  std::uint64_t outbound_counter_ = 0;
  std::unordered_set<std::string> fees_in_flight_;  // numbers whose fee write is on its way

  void change_presence(std::string_view org_id, std::string_view user_id, std::string_view presence,
                       std::function<void(const engine::TelephonyUser*, server::HttpResponse)> done);
  void write_user(JsonWriter& w, const engine::TelephonyUser& user) const;
  void write_group(JsonWriter& w, const engine::TelephonyGroup& group) const;
  // Ids of published flows whose states name the user (or group).
  std::vector<std::string> flows_referencing(std::string_view org_id, bool group, std::string_view id) const;
  const engine::FlowEntry* visible_flow(std::string_view org_id, std::string_view id) const;
  void store_flow(engine::FlowEntry updated, const engine::FlowEntry* before, server::Reply reply,
                  std::function<server::HttpResponse(const engine::FlowEntry&)> answer);

  // Workflows (api_workflows.cpp).
  void wire_workflows();  // from the constructor: the outbox's derive step and consumer
  void install_workflows(LoadedState& state);
  void derive_deliveries(const events::Event& event, store::WriteSet& out);
  void disable_gone_workflow(const workflows::Workflow& workflow);
  void workflow_metrics();
  workflows::RunnerSettings runner_settings() const;
  const workflows::Workflow* find_workflow(std::string_view org_id, std::string_view id) const;
  std::unordered_map<std::string, std::map<std::string, workflows::Workflow>> workflows_;  // org → id → rule
  // Deliveries journaled with an event, by org NUL seq, from the derive step until the event is
  // durable; then they go to the runner. A refused batch frees its seqs, and the next event to
  // take a seq replaces its entry, so a lost event's deliveries are never sent.
  std::unordered_map<std::string, std::vector<workflows::Delivery>> staged_deliveries_;
  std::unique_ptr<workflows::DeliveryRunner> deliveries_;

  // Media Streams (twilio_media.cpp).
  struct MediaStream;
  std::optional<std::string> media_stream_refusal(const MediaStream& stream) const;
  void on_media_message(MediaStream& stream, std::string_view text);
  void refuse_media_stream(MediaStream& stream);
  void finish_media_stream(MediaStream& stream);
  void media_metrics();
  std::unordered_set<std::shared_ptr<MediaStream>> media_streams_;
  struct MediaCounts {
    std::uint64_t accepted = 0, refused = 0, messages = 0;
  } media_counts_;
  // The committed events on NATS JetStream (nats_events.cpp), when events.nats_url is set.
  void start_event_publisher(const LoadedState& state);
  void save_nats_cursors();  // every 100 ms on the loop: the cursors that moved, journaled
  void nats_metrics();
  std::unique_ptr<nats::EventPublisher> nats_;
  // Analytics (api_analytics.cpp).
  void wire_analytics();  // from the constructor: the counters' derive step and consumer
  void seed_waiting_calls(const std::vector<engine::CallRecord>& live_calls);
  std::unique_ptr<store::AnalyticsCounters> analytics_;
  analytics::WaitingCalls waiting_;  // callers in queues now, from the committed events
  // The board of GET /v1/analytics/live; without the clock (at, oldest_wait_s) for WS /v1/live,
  // which sends it only when it changed.
  std::string live_board(const std::string& org_id, Timestamp now, bool with_clock);
  // WS /v1/live (live_stream.cpp): admins' wallboards.
  server::UpgradeDecision live_stream(const server::HttpRequest& request);
  void live_event(const events::Event& event);
  void live_tick();
  void close_live_boards();
  struct LiveWatchers {
    std::vector<std::shared_ptr<server::WebSocketChannel>> channels;
    std::string last_board;  // as last sent
  };
  engine::StringMap<LiveWatchers> live_watchers_;  // by org
  bool live_ticking_ = false;

  Config config_;
  store::Journal& journal_;
  events::EventLog events_;
  runtime::CommitPath commit_{journal_, events_};  // every state change is submitted here
  engine::StringMap<std::uint64_t> event_counts_;  // by type, for /metrics
  engine::Engine engine_;  // all routing state; changed by apply (and, for configuration, by handlers)
  // The engine's books, by their old names, for the configuration handlers.
  engine::Directory& directory_ = engine_.directory();
  CallBook& calls_ = engine_.calls();
  WalletBook& wallets_ = engine_.wallets();
  AgentHub agents_;
  ops::HttpMetrics& metrics_;
  std::string system_key_;
  Clock clock_;
  // Ages by the wall clock are corrected by how far it was stepped forward (quiet calls' expiry).
  WallClockSteps clock_steps_{clock_()};
  bool ready_ = false;
};

}  // namespace callrouter::app
