// Charging calls: when a call reaches a terminal status its own leg is priced (inbound by the
// number's country and type, outbound by destination plus the agent's softphone leg), and each
// agent leg of an inbound call is priced when that leg ends. Refs make each charge happen once
// however the provider duplicates or reorders callbacks; the debit rides in the same batch as the
// call record that shows it.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/app.hpp"
#include "billing/call_charge.hpp"
#include "common/phone_number.hpp"

namespace callrouter::app {

std::optional<WalletBook::Ticket> App::stage_charge(engine::CallRecord& record, const billing::CallFacts& facts,
                                                    std::string ref, store::WriteSet& ops) {
  if (!rates_) return std::nullopt;
  auto charge = billing::charge_for(*rates_, facts);
  if (!charge) {
    spdlog::warn("call {} of org {} cannot be priced ({}): not charged", record.sid, record.org_id, charge.error().message);
    return std::nullopt;
  }
  auto decision = billing::charge_call(wallets_.wallet(record.org_id),
                                       {charge->charge_micro, std::move(ref),
                                        fmt::format("{} call {} ({} min)", record.direction, record.sid, charge->billed_minutes)},
                                       clock_(), wallets_.applied(record.org_id));
  if (!decision || decision->duplicate || decision->entries.empty()) return std::nullopt;
  record.charge_micro += charge->charge_micro;
  auto ticket = wallets_.stage(*decision, ops);
  stage_billing_events(*decision, ops);
  return ticket;
}

std::optional<WalletBook::Ticket> App::stage_call_charge(engine::CallRecord& record, store::WriteSet& ops) {
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
  return stage_charge(record, facts, "call:" + record.sid, ops);
}

std::optional<WalletBook::Ticket> App::stage_leg_charge(engine::CallRecord& parent, std::string_view leg_sid,
                                                        std::int64_t seconds, store::WriteSet& ops) {
  billing::CallFacts facts;
  facts.agent_leg_s.push_back(seconds);
  const auto* number = directory_.number(parent.to);
  if (number == nullptr) return std::nullopt;
  facts.number_country = number->country;
  facts.number_type = billing::number_type_from_string(number->type).value_or(billing::NumberType::local);
  return stage_charge(parent, facts, fmt::format("leg:{}", leg_sid), ops);
}

std::optional<WalletBook::Ticket> App::stage_forward_charge(engine::CallRecord& record, std::string_view destination,
                                                            std::string_view leg_sid, std::int64_t seconds,
                                                            store::WriteSet& ops) {
  const auto* number = directory_.number(record.to);
  if (number == nullptr) return std::nullopt;
  billing::CallFacts facts;
  facts.number_country = number->country;
  facts.number_type = billing::number_type_from_string(number->type).value_or(billing::NumberType::local);
  facts.forwarded_legs.push_back({std::string(destination), country_of(destination), seconds});
  return stage_charge(record, facts, fmt::format("fwd:{}", leg_sid), ops);
}

}  // namespace callrouter::app
