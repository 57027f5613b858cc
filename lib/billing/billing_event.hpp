// What billing tells others about, emitted with a wallet decision: the CRM charges the card on
// auto_recharge.requested; admins are told about a low wallet, a reached cap, an overdue number.
#pragma once

#include <cstdint>
#include <string>

#include "common/time.hpp"

namespace callrouter::billing {

namespace event_kind {
inline constexpr const char* kAutoRechargeRequested = "auto_recharge.requested";
inline constexpr const char* kAutoRechargeCapReached = "auto_recharge.cap_reached";
inline constexpr const char* kWalletLow = "wallet.low";
inline constexpr const char* kNumberOverdue = "number.overdue";
}  // namespace event_kind

struct BillingEvent {
  std::string kind;  // one of event_kind
  std::string org_id;
  std::int64_t amount_micro = 0;  // recharge amount, or the fee that could not be paid
  std::int64_t balance_micro = 0; // the balance when the event was decided
  std::string ref;      // the ledger ref it is about; the CRM's idempotency key for a card charge
  std::string subject;  // the phone number for number.overdue, else empty
  Timestamp at{};
};

std::string to_json(const BillingEvent& event);

}  // namespace callrouter::billing
