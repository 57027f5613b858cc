// The decisions that change a wallet: top-ups, charges, fees, adjustments, auto-recharge.
// Pure: wallet + request + now in; new wallet, ledger entries and events out (or an error).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "billing/billing_error.hpp"
#include "billing/billing_event.hpp"
#include "billing/ledger_entry.hpp"
#include "billing/wallet.hpp"
#include "common/expected.hpp"
#include "common/time.hpp"

namespace callrouter::billing {

// "Was a ledger entry with this ref already written for this org?" The store answers from its
// ledger index; a retried or duplicated request then changes nothing.
using AppliedRefs = std::function<bool(std::string_view ref)>;

struct WalletDecision {
  Wallet wallet;                     // the wallet after the entries
  std::vector<LedgerEntry> entries;  // to journal, in order, with the wallet, atomically
  std::vector<BillingEvent> events;  // to send once the entries are durable
  bool duplicate = false;            // the ref was applied before: nothing to write
  bool overdue = false;              // a monthly fee could not be paid (nothing charged)
};

struct Credit {
  std::int64_t amount_micro = 0;  // > 0
  std::string ref;                // e.g. "topup:<CRM payment id>"
  std::string note;
};

struct Debit {
  std::int64_t amount_micro = 0;  // the cost, ≥ 0 (entries carry it negated)
  std::string ref;                // "call:CA…", "number:+1415…:<purchase time>", fee_ref(…)
  std::string note;
};

// Credits bought up front.
Expected<WalletDecision, BillingError> apply_topup(const Wallet& wallet, const Credit& credit,
                                                   Timestamp now, const AppliedRefs& applied);

// Buying a number (its first month) or a recording storage plan: refused with
// "insufficient_balance" unless the balance, or one auto-recharge within the cap, covers it.
Expected<WalletDecision, BillingError> charge_number_purchase(const Wallet& wallet, const Debit& debit,
                                                              Timestamp now, const AppliedRefs& applied);
Expected<WalletDecision, BillingError> charge_recording_storage(const Wallet& wallet, const Debit& debit,
                                                                Timestamp now, const AppliedRefs& applied);

// A call's minutes: always applied, even below zero (the call already happened). A zero charge
// writes nothing.
Expected<WalletDecision, BillingError> charge_call(const Wallet& wallet, const Debit& debit, Timestamp now,
                                                   const AppliedRefs& applied);

// A number's monthly fee: paid from the balance, else after one auto-recharge within the cap;
// otherwise nothing is charged, `overdue` is set and number.overdue is emitted, and the caller
// retries the same fee index later (e.g. after the next top-up).
Expected<WalletDecision, BillingError> charge_number_monthly_fee(const Wallet& wallet, const Debit& debit,
                                                                 std::string_view number, Timestamp now,
                                                                 const AppliedRefs& applied);

// An operator's correction, either sign, never refused for lack of balance.
Expected<WalletDecision, BillingError> apply_adjustment(const Wallet& wallet, std::int64_t amount_micro,
                                                        std::string ref, std::string note, Timestamp now,
                                                        const AppliedRefs& applied);

// PUT /v1/wallet/auto-recharge. Enabled needs amount > 0, threshold ≥ 0, cap ≥ amount. The
// month's recharged total is kept (changing settings cannot reset the cap) and the trigger is
// armed: a wallet already below the new threshold recharges on its next debit. Writes no entry.
Expected<Wallet, BillingError> set_auto_recharge(const Wallet& wallet, const AutoRechargeSettings& settings);

}  // namespace callrouter::billing
