// One line of an org's credit ledger: what moved, by how much, and the balance after it.
// The journal keeps these as values; the wallet balance is always the sum of an org's entries.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/expected.hpp"
#include "common/time.hpp"

namespace callrouter::billing {

enum class LedgerKind {
  topup,               // credits bought up front (POST /v1/wallet/topups)
  auto_recharge,       // credits added because the balance fell below the threshold
  number_purchase,     // first month of a number, charged when it is bought
  number_monthly_fee,  // each later month of a number, on its purchase anniversary
  call_charge,         // minutes of one call, all its legs
  recording_storage,   // a recording storage plan
  adjustment,          // an operator's correction (either sign)
};

std::string_view to_string(LedgerKind kind);
std::optional<LedgerKind> ledger_kind_from_string(std::string_view s);

struct LedgerEntry {
  std::string org_id;
  std::uint64_t seq = 0;              // per org, 1, 2, 3, … in the order entries were applied
  LedgerKind kind = LedgerKind::adjustment;
  std::int64_t amount_micro = 0;      // credits +, debits −
  std::int64_t balance_after_micro = 0;
  Timestamp at{};
  std::string ref;   // idempotency reference: an entry with the same ref is never applied twice
  std::string note;  // for people: "Call CA… 3 min to +1415…"
};

std::string to_json(const LedgerEntry& entry);
Expected<LedgerEntry> ledger_entry_from_json(std::string_view json);

}  // namespace callrouter::billing
