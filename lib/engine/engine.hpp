// The routing engine: every live call, queue, agent pool and wallet of every org, changed only by
// Engine::apply. apply does no I/O: it reads what is on record through store::Reader, and returns
// Effects — the answer, the records and call events to journal, and what to do once they are
// durable (agent notices, calls to move through the provider, timers). The runtime (app/) journals
// the change, calls settle() with the outcome, and only then delivers (docs/architecture.md).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "acd/agent_pool.hpp"
#include "acd/call_queue.hpp"
#include "billing/call_charge.hpp"
#include "billing/rate_card.hpp"
#include "common/time.hpp"
#include "engine/call_book.hpp"
#include "engine/call_flow.hpp"
#include "engine/directory.hpp"
#include "engine/provider_events.hpp"
#include "engine/wallet_book.hpp"
#include "flow/call_action.hpp"
#include "runtime/change.hpp"
#include "store/reader.hpp"

namespace callrouter::engine {

// ---- Events: what happened, in the engine's words ----

// Who sent a provider webhook (the org whose key signed it) and its retry token (may be empty).
struct Webhook {
  const Org* org = nullptr;
  std::string_view retry_token;
};
struct CallArrivedEvent {
  Webhook from;
  CallArrived call;
};
struct CallStatusEvent {
  Webhook from;
  CallStatusChanged status;
};
struct AgentLegEvent {
  Webhook from;
  AgentLegChanged leg;
};
struct FlowCallbackEvent {
  Webhook from;
  FlowCallback callback;
};
struct RecordingEvent {  // a recording status report of a call recording (<Dial record>)
  Webhook from;
  std::string_view call_sid;
  std::optional<RecordingFacts> recording;
};
// The provider's REST reply to moving a queued caller to agents (or the move never being asked:
// its record did not reach the disk).
struct MoveReplyEvent {
  std::string org_id;
  std::string call_sid;
  bool accepted = false;
  std::string outcome;  // when not accepted: "redirect_failed", "not_recorded"
};
// A timer set by an earlier Effects fired: the org's queued callers may have an agent now.
struct QueueTimerEvent {
  std::string org_id;
  std::string wrap_up_of;  // non-empty: this user's wrap-up (the one after answer `answered`) is over
  std::uint32_t answered = 0;
};
// A click-to-call the provider created (POST /v1/calls): the call's first record.
struct OutboundPlacedEvent {
  CallRecord record;
};
// An agent's presence was stored (by the API, the softphone or auto-away).
struct PresenceStoredEvent {
  TelephonyUser user;
};
// A call's Media Stream ended (or broke off) and its audio was measured: the figures go on the
// call's record. The stream was matched to the org and the call when it started.
struct AudioFiguresEvent {
  std::string org_id;
  std::string call_sid;
  media::AudioFigures figures;
};
using Event = std::variant<CallArrivedEvent, CallStatusEvent, AgentLegEvent, FlowCallbackEvent, RecordingEvent,
                           MoveReplyEvent, QueueTimerEvent, OutboundPlacedEvent, PresenceStoredEvent, AudioFiguresEvent>;

// ---- Effects: what the runtime does about it ----

struct Notice {  // one message to one agent's softphones
  std::string org_id;
  std::string user_id;
  std::string message;
};

// What settle() keeps or undoes once the journal has answered.
struct Settlement {
  CallBook::Ticket calls = 0;
  std::optional<WalletBook::Ticket> wallet;
  std::optional<acd::QueuedCaller> requeue;  // back in line once durable (a move that failed)
  std::string requeue_org;
  // A turn of a call's flow that rang agents or queued the caller: refused, it never happened,
  // so the agents are free again and the caller is not in line (the provider will retry).
  std::string routed_org;
  std::string routed_sid;
  bool routed_queued = false;  // the caller joined a queue in that turn
};

// A queued caller moved to agents: journaled on its own, then the provider is asked (REST).
struct MoveCall {
  std::string org_id;
  std::string call_sid;
  std::string document;     // the instructions (TwiML) that ring the agents
  std::string fetch_query;  // non-empty: too long to send; the provider fetches /twilio/redirect?<this>
  runtime::Change change;
  Settlement settle;
  std::vector<Notice> notices;
};

// Delivered as a QueueTimerEvent with the same fields after `after` of the monotonic clock.
struct Wakeup {
  std::chrono::milliseconds after{0};
  std::string org_id;
  std::string wrap_up_of;
  std::uint32_t answered = 0;
};

struct Effects {
  std::optional<StoredAnswer> answer;  // the reply (absent for events that no one waits on)
  bool journal = false;                // `change` must be durable before anything below happens
  runtime::Change change;
  Settlement settle;
  std::vector<Notice> notices;
  std::vector<MoveCall> moves;  // journal and send each after this change is submitted
  std::vector<Wakeup> wakeups;
  std::vector<std::pair<std::string, std::string>> set_away;  // (org, user): too many missed offers
};

// How calls are told what to do: the provider's instruction document for actions (TwiML for
// Twilio), and the longest one a REST call may carry inline.
struct Instructions {
  std::function<std::string(const flow::CallActions&, std::string_view org_id, std::string_view flow_id)> render;
  std::size_t max_inline_move = 4000;
};

class Engine {
 public:
  Engine(const store::Reader& stored, Instructions instructions);

  Effects apply(const Event& event, Timestamp now);
  // The journal's answer for an Effects (or a MoveCall) from apply: keeps or undoes it.
  void settle(const Settlement& settlement, bool durable, Timestamp now);

  // Start-up: configuration and the calls that had not ended, oldest first.
  void load(Directory directory, std::vector<CallRecord> live_calls, Timestamp now);
  void set_rate_card(std::shared_ptr<const billing::RateCard> rates) { rates_ = std::move(rates); }
  const billing::RateCard* rates() const { return rates_.get(); }

  // For the admin API (configuration commands still change these directly; issue 12 notes).
  Directory& directory() { return directory_; }
  const Directory& directory() const { return directory_; }
  CallBook& calls() { return calls_; }
  WalletBook& wallets() { return wallets_; }
  acd::AgentPool& pool(std::string_view org_id);
  void sync_user(std::string_view org_id, const TelephonyUser& user, Timestamp now);
  void sync_group(std::string_view org_id, const TelephonyGroup& group);
  void remove_agent(std::string_view org_id, std::string_view user_id);
  std::string_view presence_of(const TelephonyUser& user, Timestamp now) const;  // on_call, wrap_up, …
  // The call.offered messages an agent has open (the softphone's snapshot on connect).
  std::vector<std::string> offers_for(std::string_view org_id, std::string_view user_id) const;
  // The document that dials a click-to-call's customer once the agent's softphone answered.
  std::string outbound_document(const CallRecord& call);
  // Billing events of a wallet decision (GET /v1/wallet/events) into `ops`.
  void stage_billing_events(const billing::WalletDecision& decision, store::WriteSet& ops, Timestamp now);

  struct QueueStats {
    std::uint64_t entered = 0, assigned = 0, abandoned = 0, left = 0;
  };
  const QueueStats& queue_stats() const { return queue_stats_; }
  std::size_t queued() const;

 private:
  // Everything about a call in progress besides its record (which CallBook keeps, with the
  // difference between staged and durable): who it rang, who it is offered to, who took it, and
  // whether it is on its way from a queue to agents.
  struct LiveCall {
    std::vector<acd::AgentId> rung;  // agents rung at the current ring state (later rounds skip them)
    std::vector<std::string> offered_to;
    struct Connected {
      std::string user_id;
      std::string group_id;  // the ring group that rang them (their wrap-up); empty for ring_user
      Timestamp at{};
    };
    std::optional<Connected> connected;
    struct Move {
      CallRecord queued;  // the record before the move, to put back if it fails
      acd::QueuedCaller caller;
    };
    std::optional<Move> moving;
    bool empty() const { return rung.empty() && offered_to.empty() && !connected && !moving; }
  };
  LiveCall& live(std::string_view org_id, std::string_view sid);
  LiveCall* find_live(std::string_view org_id, std::string_view sid);
  void forget_if_idle(std::string_view org_id, std::string_view sid);

  Effects on(const CallArrivedEvent& e, Timestamp now);
  Effects on(const CallStatusEvent& e, Timestamp now);
  Effects on(const AgentLegEvent& e, Timestamp now);
  Effects on(const FlowCallbackEvent& e, Timestamp now);
  Effects on(const RecordingEvent& e, Timestamp now);
  Effects on(const MoveReplyEvent& e, Timestamp now);
  Effects on(const QueueTimerEvent& e, Timestamp now);
  Effects on(const OutboundPlacedEvent& e, Timestamp now);
  Effects on(const PresenceStoredEvent& e, Timestamp now);
  Effects on(const AudioFiguresEvent& e, Timestamp now);
  Effects outbound_dial_result(const Org& org, const CallRecord& record, const FlowCallbackEvent& e,
                               const std::string& callback_id, Timestamp now);
  // The common tail of a call change: the record (and its answer, under each id) into the change.
  void stage_call(Effects& fx, const CallRecord& record, const CallEvent& event, std::optional<bool> exists = std::nullopt);
  void stage_answer(Effects& fx, std::string_view org_id, std::string_view kind, std::string_view id, Timestamp now);
  std::optional<StoredAnswer> replay(const Webhook& from) const;

  // Agents (engine_agents.cpp).
  RingSelector ring_selector(std::string_view org_id, Timestamp now);
  void offer(std::vector<Notice>& to, const CallRecord& call, const flow::CallActions& actions, Timestamp now);
  // The call is no longer offered to anyone: the agents it was offered to.
  std::vector<std::string> withdraw_offers(std::string_view org_id, std::string_view call_sid);
  // The same, and each of them is told the call ended (`outcome`).
  std::vector<std::string> end_offers(std::vector<Notice>& to, std::string_view org_id, std::string_view call_sid,
                                      std::string_view outcome);
  void agents_missed(Effects& fx, std::string_view org_id, const std::vector<std::string>& users, Timestamp now);
  void agents_cancelled(std::string_view org_id, const std::vector<std::string>& users, std::string_view except, Timestamp now);
  void rebuild_pools(Timestamp now);

  // Queues (engine_queues.cpp).
  // True when the caller joined a queue just now.
  bool note_queued(const CallRecord& call, Timestamp now);
  void leave_queue(std::string_view org_id, std::string_view call_sid, acd::LeaveReason reason);
  void dispatch_queues(Effects& fx, std::string_view org_id, Timestamp now);
  void move_to_agents(Effects& fx, CallRecord record, const flow::AssignRequest& request,
                      std::vector<flow::DialTarget> targets, acd::QueuedCaller caller, Timestamp now);

  // Charges and recordings (engine_charges.cpp).
  std::optional<WalletBook::Ticket> stage_charge(CallRecord& record, const billing::CallFacts& facts, std::string ref,
                                                 store::WriteSet& ops, Timestamp now);
  std::optional<WalletBook::Ticket> stage_call_charge(CallRecord& record, store::WriteSet& ops, Timestamp now);
  std::optional<WalletBook::Ticket> stage_leg_charge(CallRecord& parent, std::string_view leg_sid, std::int64_t seconds,
                                                     store::WriteSet& ops, Timestamp now);
  std::optional<WalletBook::Ticket> stage_forward_charge(CallRecord& record, std::string_view destination,
                                                         std::string_view leg_sid, std::int64_t seconds,
                                                         store::WriteSet& ops, Timestamp now);
  void limit_recording(std::string_view org_id, flow::CallActions& actions);
  std::optional<WalletBook::Ticket> count_recording(std::string_view org_id, const std::optional<RecordingFacts>& recording,
                                                    store::WriteSet& ops, Timestamp now);
  void hold_for_outbound(const CallRecord& call);

  const store::Reader& stored_;
  Instructions instructions_;
  Directory directory_;
  CallBook calls_;
  WalletBook wallets_;
  std::shared_ptr<const billing::RateCard> rates_;
  StringMap<acd::AgentPool> pools_;           // org id -> its agents
  StringMap<acd::CallQueues> queues_;         // org id -> its queued callers (priority, then arrival)
  StringMap<LiveCall> live_;                  // key: org NUL call sid
  StringMap<std::vector<std::string>> offers_;  // key: org NUL user -> sids offered to them, oldest first
  StringMap<std::string> offer_messages_;       // key: org NUL sid NUL user -> the call.offered message
  QueueStats queue_stats_;
  std::uint64_t billing_event_counter_ = 0;
};

// The queue a caller waits in: one per ring state of a flow.
std::string queue_key(std::string_view flow_id, std::string_view state_id);

}  // namespace callrouter::engine
