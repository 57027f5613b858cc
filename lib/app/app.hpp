// The request handler behind the HTTP server: routes each request to its handler and owns the
// state those handlers share (directory, calls, journal, metrics). Runs on the event-loop thread.
#pragma once

#include <functional>
#include <memory>
#include <unordered_set>
#include <optional>
#include <vector>

#include "acd/agent_pool.hpp"
#include "acd/call_queue.hpp"
#include "app/agent_hub.hpp"
#include "outbound/http_client.hpp"
#include "app/call_book.hpp"
#include "app/wallet_book.hpp"
#include "billing/call_charge.hpp"
#include "billing/rate_card.hpp"
#include "auth/api_key.hpp"
#include "common/json_writer.hpp"
#include "common/time.hpp"
#include "config/config.hpp"
#include "engine/call_flow.hpp"
#include "engine/directory.hpp"
#include "events/event_log.hpp"
#include "flow/call_action.hpp"
#include "flow/compiled_flow.hpp"
#include "engine/provider_events.hpp"
#include "provider/twilio/webhook_request.hpp"
#include "runtime/commit_path.hpp"
#include "server/http_message.hpp"
#include "server/websocket_channel.hpp"
#include "store/journal.hpp"

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
};
Expected<LoadedState> load_state(const store::Journal& journal);

// A stored provider answer as an HTTP response.
server::HttpResponse to_response(const StoredAnswer& answer);

// The queue a caller waits in: one per ring state of a flow.
std::string queue_key(std::string_view flow_id, std::string_view state_id);

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
  void reload(const Config& config) { config_ = config; }
  // Graceful stop: agents' streams are told the server is going away.
  void close_agent_streams() { agents_.close_all(); }
  // Wiring from the daemon: the provider REST client, and a way to run something later on the loop.
  using Scheduler = std::function<void(std::chrono::milliseconds, std::function<void()>)>;
  void set_outbound(outbound::HttpClient* http, Scheduler schedule) {
    http_ = http;
    schedule_ = std::move(schedule);
  }
  const engine::Directory& directory() const { return directory_; }
  // The committed call events: consumers subscribe here (in order, once each, after durable).
  events::EventLog& events() { return events_; }
  // The rate card (null: billing off). Set at start and on SIGHUP by the daemon.
  void set_rate_card(std::shared_ptr<const billing::RateCard> rates) { rates_ = std::move(rates); }

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
  // WS /v1/agents/stream: agent key in the Authorization header or ?key= (browsers cannot set
  // headers on a WebSocket).
  server::UpgradeDecision agent_stream(const server::HttpRequest& request);
  server::HttpResponse health() const;
  server::HttpResponse readiness() const;
  server::HttpResponse metrics_text();

 private:
  // Authenticates a provider webhook (provider/twilio); on failure it has replied already.
  std::optional<twilio::VerifiedWebhook> verify_twilio(const server::HttpRequest& request, server::Reply& reply);
  std::optional<Principal> authenticate(const server::HttpRequest& request) const;
  // verify_twilio, then replay_if_seen: nothing when it has answered already.
  std::optional<twilio::VerifiedWebhook> accept_twilio(const server::HttpRequest& request, server::Reply& reply);
  // Replays a stored answer for a retried request; true when it did.
  bool replay_if_seen(std::string_view retry_token, const engine::Org& org, server::Reply& reply);
  // Commits `ops` and replies `answer` once durable (503 if the journal refused).
  void commit_and_reply(runtime::Change change, CallBook::Ticket ticket, StoredAnswer answer, server::Reply reply,
                        std::optional<WalletBook::Ticket> wallet_ticket = std::nullopt);

  flow::FlowReferences references(std::string_view org_id) const;
  // Calls that started before this are past `history.retention_days` (none: kept for ever).
  std::optional<Timestamp> retention_cutoff() const;
  // The agent layer (agent_routing.cpp).
  acd::AgentPool& pool(std::string_view org_id);
  void rebuild_pools();
  void sync_user(std::string_view org_id, const engine::TelephonyUser& user);
  void sync_group(std::string_view org_id, const engine::TelephonyGroup& group);
  engine::RingSelector ring_selector(std::string_view org_id);
  std::string_view presence_of(const engine::TelephonyUser& user) const;  // as the engine sees it (on_call, …)
  void agents_missed(std::string_view org_id, const std::vector<std::string>& users);
  void agents_cancelled(std::string_view org_id, const std::vector<std::string>& users, std::string_view except);
  // Queued callers (queue_dispatch.cpp): per org, served by priority then arrival.
  engine::StringMap<acd::CallQueues> queues_;
  // Agents already rung for a call at its current ring state (key: org NUL call sid), so later
  // rounds work through a group larger than one <Dial>.
  engine::StringMap<std::vector<acd::AgentId>> rung_;
  // Calls whose move from a queue to an agent is on its way to the provider (key: org NUL sid).
  std::unordered_set<std::string> moving_;
  struct QueueStats {
    std::uint64_t entered = 0, assigned = 0, abandoned = 0, left = 0;
  } queue_stats_;
  void note_queued(const engine::CallRecord& call);
  void leave_queue(std::string_view org_id, std::string_view call_sid, acd::LeaveReason reason);
  void dispatch_queues(std::string_view org_id);
  void redirect_to_agents(engine::CallRecord record, const flow::AssignRequest& request,
                          std::vector<flow::DialTarget> targets, acd::QueuedCaller caller);
  outbound::HttpClient* http_ = nullptr;
  Scheduler schedule_;

  // Billing.
  server::HttpResponse billing_refusal(const billing::BillingError& e) const;
  void commit_wallet(std::string_view org_id, const billing::WalletDecision& decision, store::WriteSet ops,
                     std::function<server::HttpResponse()> answer, server::Reply reply);
  void stage_billing_events(const billing::WalletDecision& decision, store::WriteSet& ops);
  std::optional<WalletBook::Ticket> stage_charge(engine::CallRecord& record, const billing::CallFacts& facts,
                                                 std::string ref, store::WriteSet& ops);
  // A call that reached a terminal status / an agent leg that ended: its charge, once.
  std::optional<WalletBook::Ticket> stage_call_charge(engine::CallRecord& record, store::WriteSet& ops);
  std::optional<WalletBook::Ticket> stage_leg_charge(engine::CallRecord& parent, std::string_view leg_sid,
                                                     std::int64_t seconds, store::WriteSet& ops);
  std::optional<WalletBook::Ticket> stage_forward_charge(engine::CallRecord& record, std::string_view destination,
                                                        std::string_view leg_sid, std::int64_t seconds,
                                                        store::WriteSet& ops);
  std::int64_t monthly_fee_micro(const engine::NumberEntry& number) const;
  void write_number(JsonWriter& w, const engine::NumberEntry& number) const;
  Expected<std::int64_t, server::HttpResponse> number_price(std::string_view country, std::string_view type) const;
  void purchase_number(const std::string& org_id, const std::string& number, const std::string& country,
                       const std::string& type, std::int64_t fee, server::Reply reply);
  void release_at_provider(const std::string& org_id, const std::string& provider_sid, std::function<void(bool)> done);
  void charge_number_fees();
  void start_fee_timer();
  std::string outbound_twiml(const engine::CallRecord& call);
  void save_caller_ids(const engine::TelephonyUser& updated, std::function<void(bool)> done);
  // Recording storage (recording_usage.cpp): calls are not recorded once the org's quota is used.
  void limit_recording(std::string_view org_id, flow::CallActions& actions);
  std::optional<WalletBook::Ticket> count_recording(std::string_view org_id, const std::optional<engine::RecordingFacts>& recording,
                                                    store::WriteSet& ops);
  // At start: a live click-to-call holds its charge again (holds are memory only).
  void hold_for_outbound(const engine::CallRecord& call);
  std::shared_ptr<const billing::RateCard> rates_;
  WalletBook wallets_;
  std::uint64_t topup_counter_ = 0;
  std::uint64_t outbound_counter_ = 0;
  std::uint64_t event_counter_ = 0;
  std::unordered_set<std::string> fees_in_flight_;  // numbers whose fee write is on its way

  struct Connected {
    std::string user_id;
    std::string group_id;  // the ring group that rang them (for wrap-up); empty for ring_user
    Timestamp at{};
  };
  engine::StringMap<Connected> connected_;  // key: org NUL call sid

  void change_presence(std::string_view org_id, std::string_view user_id, std::string_view presence,
                       std::function<void(const engine::TelephonyUser*, server::HttpResponse)> done);
  // Agent events: offers for the Dial targets in `actions`; the end of earlier offers.
  void announce_offers(const engine::CallRecord& call, const flow::CallActions& actions);
  // Returns the agents the call was being offered to.
  std::vector<std::string> end_offers(std::string_view org_id, std::string_view call_sid, std::string_view outcome);
  // Status callbacks of an agent's leg (ParentCallSid set): who answered, and when they hang up.
  void agent_leg_status(const engine::Org& org, const engine::AgentLegChanged& leg, server::Reply reply);
  // The end of a click-to-call's <Dial> to the customer (twilio_callbacks.cpp).
  void outbound_dial_result(const engine::Org& org, const engine::CallRecord& record, const engine::FlowCallback& cb,
                            const std::string& callback_id, std::string_view retry_token, server::Reply reply);
  void write_user(JsonWriter& w, const engine::TelephonyUser& user) const;
  void write_group(JsonWriter& w, const engine::TelephonyGroup& group) const;
  // Ids of published flows whose states name the user (or group).
  std::vector<std::string> flows_referencing(std::string_view org_id, bool group, std::string_view id) const;
  const engine::FlowEntry* visible_flow(std::string_view org_id, std::string_view id) const;
  void store_flow(engine::FlowEntry updated, const engine::FlowEntry* before, server::Reply reply,
                  std::function<server::HttpResponse(const engine::FlowEntry&)> answer);

  Config config_;
  store::Journal& journal_;
  events::EventLog events_;
  runtime::CommitPath commit_{journal_, events_};  // every state change is submitted here
  engine::StringMap<std::uint64_t> event_counts_;  // by type, for /metrics
  engine::Directory directory_;
  CallBook calls_;
  AgentHub agents_;
  engine::StringMap<acd::AgentPool> pools_;  // org id -> its agents
  ops::HttpMetrics& metrics_;
  std::string system_key_;
  Clock clock_;
  bool ready_ = false;
};

}  // namespace callrouter::app
