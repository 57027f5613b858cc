// Provider webhooks: signature check, idempotent replay, and the voice and status handlers.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <charconv>

#include "app/app.hpp"
#include "engine/call_status.hpp"
#include "common/json_writer.hpp"
#include "engine/incoming_call.hpp"
#include "provider/twilio/json_body.hpp"
#include "provider/twilio/render_actions.hpp"
#include "provider/twilio/signature.hpp"
#include "provider/twilio/signature_settings.hpp"
#include "store/config_records.hpp"

namespace callrouter::app {

using server::HttpRequest;
using server::HttpResponse;
using server::json_error;
using server::Reply;

HttpResponse to_response(const StoredAnswer& a) {
  HttpResponse r;
  r.status = a.status;
  r.content_type = a.content_type;
  r.body = a.body;
  return r;
}

namespace {

template <class Int>
std::optional<Int> parse_int(std::optional<std::string_view> s) {
  if (!s) return std::nullopt;
  Int v{};
  auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc() || p != s->data() + s->size()) return std::nullopt;
  return v;
}

// The provider's retry of one request carries the same token; replays must not write again.
constexpr std::string_view kTokenKind = "token";
constexpr std::string_view kVoiceKind = "voice";

}  // namespace

std::optional<App::TwilioRequest> App::verify_twilio(const HttpRequest& request, Reply& reply) {
  auto signature = request.header("x-twilio-signature");
  if (signature.empty()) {
    spdlog::warn("twilio: {} {} without X-Twilio-Signature: refused", request.method, request.target);
    reply(json_error(403, "forbidden", "missing X-Twilio-Signature"));
    return std::nullopt;
  }
  const bool is_get = request.method == "GET";
  const auto url = config_.public_base_url + request.target;
  // A JSON body (Twilio's newer webhooks) is signed through the bodySHA256 its URL carries: one
  // without it, or with another body's hash, is refused before its JSON is even parsed.
  const bool is_json = !is_get && twilio::is_json_content_type(request.header("content-type"));
  if (is_json && !twilio::body_hash_matches(url, request.body)) {
    spdlog::warn("twilio: JSON body for {} without a matching bodySHA256: refused", request.target);
    reply(json_error(403, "forbidden", "a JSON body needs a matching bodySHA256 in the signed URL"));
    return std::nullopt;
  }
  auto form = is_json ? twilio::parse_json_fields(request.body)
                      : twilio::parse_form(is_get ? request.query() : std::string_view(request.body));
  if (!form) {
    reply(json_error(400, "bad_request", form.error()));
    return std::nullopt;
  }
  // The org whose token signs the request: by AccountSid, else by the number called.
  const engine::Org* org = nullptr;
  if (auto account = form->get("AccountSid")) org = directory_.org_by_account(*account);
  if (org == nullptr) {
    if (auto to = form->get("To")) {
      if (const auto* number = directory_.number(*to)) org = directory_.org(number->org_id);
    }
  }
  // Shared-key signing names itself in a header (twilio-node reads it so too); without one the
  // auth token signs with HMAC-SHA1. An org with no shared key has an empty one: never valid.
  std::string_view key = org != nullptr ? std::string_view(org->auth_token) : std::string_view();
  auto algorithm = twilio::SignatureAlgorithm::hmac_sha1;
  if (auto settings_header = request.header(twilio::kSignatureSettingsHeader); !settings_header.empty()) {
    auto settings = twilio::parse_signature_settings(settings_header);
    if (!settings) {
      spdlog::warn("twilio: {} signed with {}: refused", request.target, settings.error());
      reply(json_error(403, "forbidden", settings.error()));
      return std::nullopt;
    }
    key = org != nullptr ? std::string_view(org->webhook_shared_key) : std::string_view();
    algorithm = settings->algorithm;
  }
  // GET signs the URL alone: its parameters are already in it; so does a JSON body.
  static const twilio::Form kNoParams;
  const bool valid =
      org != nullptr && (is_json ? twilio::validate_json_signature(key, url, request.body, signature, algorithm)
                                 : twilio::validate_signature(key, url, is_get ? kNoParams : *form, signature, algorithm));
  if (!valid) {
    spdlog::warn("twilio: invalid signature for {} (account {}{}): refused", request.target,
                 form->get("AccountSid").value_or("?"),
                 org != nullptr && key.empty() ? ", shared-key signed but the org has no shared key" : "");
    reply(json_error(403, "forbidden", "invalid X-Twilio-Signature"));
    return std::nullopt;
  }
  return TwilioRequest{org, std::move(*form)};
}

bool App::replay_if_seen(const HttpRequest& request, const engine::Org& org, Reply& reply) {
  auto token = request.header("i-twilio-idempotency-token");
  if (token.empty()) return false;
  auto seen = calls_.find_answer(org.id, kTokenKind, token);
  if (!seen) return false;
  reply(to_response(*seen));
  return true;
}

std::optional<App::TwilioRequest> App::accept_twilio(const HttpRequest& request, Reply& reply) {
  auto verified = verify_twilio(request, reply);
  if (!verified || replay_if_seen(request, *verified->org, reply)) return std::nullopt;
  return verified;
}

void App::commit_and_reply(runtime::Change change, CallBook::Ticket ticket, StoredAnswer answer, Reply reply,
                           std::optional<WalletBook::Ticket> wallet_ticket) {
  // Acknowledged means durable: the answer goes out only once its records are on disk.
  commit_.submit(std::move(change), [this, ticket, wallet_ticket, answer = std::move(answer), reply = std::move(reply)](bool durable) {
    calls_.settle(ticket, durable);
    if (wallet_ticket) wallets_.settle(*wallet_ticket, durable);
    if (!durable) return reply(json_error(503, "journal_unavailable", "the call could not be recorded; retry"));
    reply(to_response(answer));
  });
}

void App::twilio_voice(HttpRequest&& request, Reply reply) {
  auto verified = accept_twilio(request, reply);
  if (!verified) return;
  const auto& org = *verified->org;
  const auto& form = verified->form;

  auto call_sid = form.get("CallSid");
  auto to = form.get("To");
  auto from = form.get("From");
  if (!call_sid || call_sid->empty() || !to || !from) {
    return reply(json_error(400, "bad_request", "CallSid, From and To are required"));
  }
  // The same call asking again (a retry without a token) gets the same document.
  if (auto answered = calls_.find_answer(org.id, kVoiceKind, *call_sid)) return reply(to_response(*answered));

  const auto now = clock_();
  auto known = calls_.find(org.id, *call_sid);
  if (known && known->direction == "outbound" && !known->caller_id.empty()) {
    // A click-to-call: the agent's softphone answered; now the customer is dialled.
    StoredAnswer answer{200, "text/xml", outbound_twiml(*known)};
    engine::CallEvent event{"voice", 0, std::string(form.get("CallStatus").value_or("in-progress")), now};
    runtime::Change change;
    auto& ops = change.records;
    auto ticket = calls_.stage(*known, &event, change, true);
    calls_.stage_answer(org.id, kVoiceKind, known->sid, answer, ops, ticket);
    return commit_and_reply(std::move(change), ticket, std::move(answer), std::move(reply));
  }
  engine::InboundCall call{*call_sid, *from, *to, form.get("CallStatus").value_or("ringing"),
                          form.get("FromCountry").value_or("")};
  auto decision = engine::decide_incoming_call(directory_, org, call, now, ring_selector(org.id));
  auto& record = decision.record;
  if (known) {
    // Status callbacks overtook the webhook: keep what they recorded.
    record.status = known->status;
    record.status_seqs = known->status_seqs;
    record.last_status_seq = known->last_status_seq;
    record.started_at = known->started_at;
    record.answered_at = known->answered_at;
    record.ended_at = known->ended_at;
    record.duration_s = known->duration_s;
    record.charge_micro = known->charge_micro;
    if (known->terminal() && record.disposition.empty()) record.disposition = known->disposition;
  }
  limit_recording(org.id, decision.actions);
  StoredAnswer answer{200, "text/xml", twilio::render_twiml(decision.actions, config_.public_base_url, org.id + ":" + record.flow_id + ":")};
  announce_offers(record, decision.actions);
  engine::CallEvent event{"voice", 0, std::string(call.status), now};
  runtime::Change change;
  auto& ops = change.records;
  auto ticket = calls_.stage(record, &event, change, known.has_value());
  // Stored once, by CallSid: a retry (with or without its idempotency token) finds it there, so a
  // second copy under the token would only cost a journal record per call.
  calls_.stage_answer(org.id, kVoiceKind, record.sid, answer, ops, ticket);
  note_queued(record);
  commit_and_reply(std::move(change), ticket, std::move(answer), std::move(reply));
}

void App::twilio_status(HttpRequest&& request, Reply reply) {
  auto verified = accept_twilio(request, reply);
  if (!verified) return;
  const auto& org = *verified->org;
  const auto& form = verified->form;

  auto call_sid = form.get("CallSid");
  auto status = form.get("CallStatus");
  if (!call_sid || call_sid->empty() || !status || status->empty()) {
    return reply(json_error(400, "bad_request", "CallSid and CallStatus are required"));
  }
  // An agent's leg of a call we dialled (the URL names the agent; the signature covers the URL).
  if (auto query = twilio::parse_form(request.query()); query && query->get("agent") && form.get("ParentCallSid")) {
    return agent_leg_status(org, std::string(*query->get("agent")), form, std::move(reply));
  }
  engine::StatusCallback cb;
  cb.call_sid = *call_sid;
  cb.status = *status;
  cb.direction = form.get("Direction").value_or("inbound");
  cb.from = form.get("From").value_or("");
  cb.to = form.get("To").value_or("");
  cb.sequence = parse_int<std::uint32_t>(form.get("SequenceNumber"));
  if (form.get("SequenceNumber") && !cb.sequence) {
    return reply(json_error(400, "bad_request", "SequenceNumber must be a non-negative integer"));
  }
  if (auto ts = form.get("Timestamp")) cb.timestamp = parse_rfc2822(*ts);
  cb.call_duration_s = parse_int<std::int64_t>(form.get("CallDuration"));

  StoredAnswer answer{200, "application/json", R"({"status":"recorded"})"};
  auto update = engine::apply_status(calls_.find(org.id, cb.call_sid), org.id, cb, clock_());
  if (update.duplicate) return reply(to_response(answer));
  // The caller hung up while agents were being rung: their offers end.
  if (update.record.terminal()) {
    agents_cancelled(org.id, end_offers(org.id, update.record.sid, update.record.status), "");
    leave_queue(org.id, update.record.sid, acd::LeaveReason::hung_up);
    rung_.erase(store::make_key({org.id, update.record.sid}));
  }

  runtime::Change change;
  auto& ops = change.records;
  // The charge (once, by its ref) rides in the batch with the record that shows it.
  auto wallet_ticket = update.record.terminal() ? stage_call_charge(update.record, ops) : std::nullopt;
  auto ticket = calls_.stage(update.record, &update.event, change);
  if (auto token = request.header("i-twilio-idempotency-token"); !token.empty()) {
    calls_.stage_answer(org.id, kTokenKind, token, answer, ops, ticket);
  }
  commit_and_reply(std::move(change), ticket, std::move(answer), std::move(reply), wallet_ticket);
}

void App::agent_leg_status(const engine::Org& org, const std::string& user_id, const twilio::Form& form, Reply reply) {
  const auto parent_sid = *form.get("ParentCallSid");
  const auto status = *form.get("CallStatus");
  StoredAnswer answer{200, "application/json", R"({"status":"recorded"})"};
  auto parent = calls_.find(org.id, parent_sid);
  if (!parent || directory_.user(org.id, user_id) == nullptr) return reply(to_response(answer));
  const auto now = clock_();
  if (status == "in-progress") {
    // This agent answered: the call is theirs; everyone else's offer ends.
    if (!parent->user_id.empty()) return reply(to_response(answer));  // a retry, or a second leg too late
    auto users = agents_.withdraw(org.id, parent->sid);
    agents_cancelled(org.id, users, user_id);
    auto& p = pool(org.id);
    if (auto agent = p.find_agent(user_id)) p.answered(*agent, now);
    // The ring group that rang them decides their wrap-up when the call ends.
    std::string group_id;
    if (const auto* f = directory_.flow(org.id, parent->flow_id)) {
      if (const auto* v = f->version(parent->flow_version)) {
        auto at = engine::position_of(*v->compiled, *parent);
        if (at.state != flow::kNoState) {
          if (const auto* g = std::get_if<flow::RingGroupState>(&v->compiled->states[static_cast<std::size_t>(at.state)].settings)) {
            group_id = g->group;
          }
        }
      }
    }
    connected_[store::make_key({org.id, parent->sid})] = Connected{user_id, group_id, now};
    dispatch_queues(org.id);  // the agents not chosen are free again
    for (const auto& u : users) {
      JsonWriter w;
      w.begin_object().field("type", u == user_id ? "call.connected" : "call.ended").field("call_sid", parent->sid);
      if (u != user_id) w.field("outcome", "answered_elsewhere");
      w.end_object();
      agents_.publish(org.id, u, w.str());
    }
    auto updated = *parent;
    updated.user_id = user_id;
    if (!updated.answered_at) updated.answered_at = now;
    engine::CallEvent event{"agent", static_cast<std::int64_t>(updated.flow_path.size()), "answered:" + user_id, now};
    runtime::Change change;
    auto ticket = calls_.stage(updated, &event, change);
    return commit_and_reply(std::move(change), ticket, std::move(answer), std::move(reply));
  }
  if (engine::is_terminal_status(status) && parent->user_id == user_id) {
    if (auto it = connected_.find(store::make_key({org.id, parent->sid})); it != connected_.end()) {
      auto& p = pool(org.id);
      auto agent = p.find_agent(user_id);
      auto group = p.find_group(it->second.group_id);
      auto talk_s = std::chrono::duration_cast<std::chrono::seconds>(now - it->second.at).count();
      if (auto d = form.get("CallDuration")) talk_s = std::strtoll(std::string(*d).c_str(), nullptr, 10);
      if (agent) p.call_ended(*agent, group.value_or(acd::kNoGroup), now, talk_s);
      // Free again after the group's wrap-up: then the longest-waiting caller may be theirs.
      int wrap_up_s = 0;
      if (const auto* g = directory_.group(org.id, it->second.group_id)) wrap_up_s = g->wrap_up_s;
      connected_.erase(it);
      if (schedule_) {
        schedule_(std::chrono::seconds(wrap_up_s) + std::chrono::milliseconds(1),
                  [this, org_id = org.id] { dispatch_queues(org_id); });
      }
    }
    JsonWriter w;
    w.begin_object().field("type", "call.ended").field("call_sid", parent->sid).field("outcome", status).end_object();
    agents_.publish(org.id, user_id, w.str());
  }
  // Every agent leg the provider connected is billed on its own (docs/billing.md), once per leg.
  if (engine::is_terminal_status(status) && parent->direction == "inbound") {
    auto seconds = parse_int<std::int64_t>(form.get("CallDuration"));
    auto leg_sid = form.get("CallSid");
    if (seconds && *seconds > 0 && leg_sid) {
      auto updated = *parent;
      runtime::Change change;
      auto& ops = change.records;
      if (auto wallet_ticket = stage_leg_charge(updated, *leg_sid, *seconds, ops)) {
        engine::CallEvent event{"agent_leg", static_cast<std::int64_t>(updated.flow_path.size()),
                                fmt::format("{}:{}s", user_id, *seconds), now};
        auto ticket = calls_.stage(updated, &event, change);
        return commit_and_reply(std::move(change), ticket, std::move(answer), std::move(reply), wallet_ticket);
      }
    }
  }
  reply(to_response(answer));
}

}  // namespace callrouter::app
