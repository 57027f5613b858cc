// Charging calls: when a call reaches a terminal status its own leg is priced (inbound by the
// number's country and type, outbound by destination plus the agent's softphone leg), and each
// agent leg of an inbound call is priced when that leg ends. Refs make each charge happen once
// however the provider duplicates or reorders callbacks; the debit rides in the same batch as the
// call record that shows it. Recording storage counts each recording once (by its sid); once the
// quota is used, new calls go on unrecorded. Click-to-calls hold what their longest length costs.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "billing/billing_event.hpp"
#include "billing/call_charge.hpp"
#include "billing/outbound_limit.hpp"
#include "billing/recording_quota.hpp"
#include "common/phone_number.hpp"
#include "engine/engine.hpp"
#include "store/ledger_records.hpp"

namespace callrouter::engine {

using store::recording_key;

std::optional<WalletBook::Ticket> Engine::stage_charge(CallRecord& record, const billing::CallFacts& facts,
                                                    std::string ref, store::WriteSet& ops, Timestamp now) {
  if (!rates_) return std::nullopt;
  auto charge = billing::charge_for(*rates_, facts);
  if (!charge) {
    spdlog::warn("call {} of org {} cannot be priced ({}): not charged", record.sid, record.org_id, charge.error().message);
    return std::nullopt;
  }
  auto decision = billing::charge_call(wallets_.wallet(record.org_id),
                                       {charge->charge_micro, std::move(ref),
                                        fmt::format("{} call {} ({} min)", record.direction, record.sid, charge->billed_minutes)},
                                       now, wallets_.applied(record.org_id));
  if (!decision || decision->duplicate || decision->entries.empty()) return std::nullopt;
  record.charge_micro += charge->charge_micro;
  auto ticket = wallets_.stage(*decision, ops);
  stage_billing_events(*decision, ops, now);
  return ticket;
}

std::optional<WalletBook::Ticket> Engine::stage_call_charge(CallRecord& record, store::WriteSet& ops, Timestamp now) {
  if (record.disposition == "rejected" || !record.duration_s) return std::nullopt;  // <Reject>: never answered nor billed
  billing::CallFacts facts;
  facts.billable_s = *record.duration_s;
  if (record.direction == "outbound") {
    wallets_.reservations(record.org_id).release(record.sid);
    facts.direction = billing::CallDirection::outbound;
    facts.destination_e164 = record.to;
    facts.destination_country = country_of(record.to);
    // Click-to-call rings the agent's softphone first: that leg lasts as long as the call.
    if (!record.user_id.empty()) facts.agent_leg_s.push_back(*record.duration_s);
  } else {
    const auto* number = directory_.number(record.to);
    auto type = number ? billing::number_type_from_string(number->type) : std::nullopt;
    if (!type) {
      spdlog::warn("inbound call {} to {}: the number is gone or has no type; not charged", record.sid, record.to);
      return std::nullopt;
    }
    facts.number_country = number->country;
    facts.number_type = *type;
  }
  return stage_charge(record, facts, "call:" + record.sid, ops, now);
}

std::optional<WalletBook::Ticket> Engine::stage_leg_charge(CallRecord& parent, std::string_view leg_sid,
                                                        std::int64_t seconds, store::WriteSet& ops, Timestamp now) {
  billing::CallFacts facts;
  facts.agent_leg_s.push_back(seconds);
  const auto* number = directory_.number(parent.to);
  if (number == nullptr) return std::nullopt;
  facts.number_country = number->country;
  facts.number_type = billing::number_type_from_string(number->type).value_or(billing::NumberType::local);
  return stage_charge(parent, facts, fmt::format("leg:{}", leg_sid), ops, now);
}

std::optional<WalletBook::Ticket> Engine::stage_forward_charge(CallRecord& record, std::string_view destination,
                                                            std::string_view leg_sid, std::int64_t seconds,
                                                            store::WriteSet& ops, Timestamp now) {
  const auto* number = directory_.number(record.to);
  if (number == nullptr) return std::nullopt;
  billing::CallFacts facts;
  facts.number_country = number->country;
  facts.number_type = billing::number_type_from_string(number->type).value_or(billing::NumberType::local);
  facts.forwarded_legs.push_back({std::string(destination), country_of(destination), seconds});
  return stage_charge(record, facts, fmt::format("fwd:{}", leg_sid), ops, now);
}

void Engine::limit_recording(std::string_view org_id, flow::CallActions& actions) {
  bool asked = false;
  for (auto& a : actions) {
    if (auto* dial = std::get_if<flow::DialAction>(&a); dial && dial->record) {
      asked = true;
      dial->record = !rates_ || billing::may_record(wallets_.wallet(org_id));
    }
  }
  if (asked && rates_ && !billing::may_record(wallets_.wallet(org_id))) {
    spdlog::info("org {}: recording storage quota used up; the call is not recorded", org_id);
  }
}

std::optional<WalletBook::Ticket> Engine::count_recording(std::string_view org_id,
                                                       const std::optional<RecordingFacts>& recording,
                                                       store::WriteSet& ops, Timestamp now) {
  if (!recording || recording->status != "completed" || recording->recording_sid.empty() || !recording->duration_s) {
    return std::nullopt;
  }
  const auto sid = recording->recording_sid;
  const auto duration_s = *recording->duration_s;
  const auto before = wallets_.wallet(org_id);  // a copy: staging replaces the wallet
  auto counted = billing::count_recording(before.recording, sid, duration_s, wallets_.applied(org_id));
  if (!counted || !counted->applied) return std::nullopt;
  auto wallet = before;
  wallet.recording = counted->usage;
  auto ticket = wallets_.stage(wallet, ops);
  wallets_.stage_ref(org_id, counted->ref, ops, ticket);
  ops.push_back({store::Cf::ledger, recording_key(org_id, sid), store::encode_value(std::to_string(duration_s))});
  if (billing::may_record(before.recording) && !billing::may_record(wallet.recording)) {
    // The admin is told once, when this recording used the quota up.
    billing::WalletDecision told{wallet, {}, {}, false, false};
    told.events.push_back(billing::BillingEvent{"recording.quota_used", std::string(org_id), 0, wallet.balance_micro,
                                                counted->ref, {}, now});
    stage_billing_events(told, ops, now);
  }
  return ticket;
}

void Engine::hold_for_outbound(const CallRecord& call) {
  if (!rates_ || call.direction != "outbound" || call.caller_id.empty() || call.terminal()) return;
  auto per_minute = billing::outbound_per_minute(*rates_, call.to, country_of(call.to), true);
  if (!per_minute) return;
  const auto& wallet = wallets_.wallet(call.org_id);
  (void)wallets_.reservations(call.org_id).reserve(call.sid, wallet.balance_micro, *per_minute, 0);
}

std::string Engine::outbound_document(const CallRecord& call) {
  flow::DialAction dial;
  dial.targets.push_back(flow::DialTarget{flow::DialTarget::Kind::number, call.to, {}});
  dial.caller_id = call.caller_id;
  dial.time_limit_s = static_cast<int>(call.time_limit_s);
  dial.timeout_s = 30;
  const auto* user = directory_.user(call.org_id, call.user_id);
  dial.record = user != nullptr && user->record_outgoing && billing::may_record(wallets_.wallet(call.org_id));
  dial.callback = {flow::Callback::dial, "outbound", 0, 0};
  return instructions_.render({dial}, call.org_id, {});
}

}  // namespace callrouter::engine
