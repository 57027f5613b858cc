#include "billing/wallet_ledger.hpp"

#include <fmt/format.h>

#include "billing/calendar.hpp"
#include "billing/money.hpp"

namespace callrouter::billing {
namespace {

using Result = Expected<WalletDecision, BillingError>;

BillingError invalid_amount(std::int64_t amount) {
  return billing_error("invalid_amount",
                       fmt::format("amount {} micro-credits is out of range (0 to {})", amount, kMaxAmountMicro));
}

BillingError overflow() {
  return billing_error("overflow", "the balance would overflow");
}

// Starts a decision: validates the ref and rolls the auto-recharge month forward. The month key
// only moves forward, so a clock jumping back cannot reopen an earlier month's cap.
Expected<WalletDecision, BillingError> begin(const Wallet& wallet, std::string_view ref, Timestamp now,
                                              const AppliedRefs& applied) {
  if (ref.empty()) return unexpected(billing_error("invalid_ref", "a ledger entry needs a ref"));
  WalletDecision d{wallet, {}, {}, false, false};
  if (applied && applied(ref)) {
    d.duplicate = true;
    return d;
  }
  auto month = month_key(now);
  if (month > d.wallet.recharge_month) {
    d.wallet.recharge_month = month;
    d.wallet.recharged_this_month_micro = 0;
  }
  return d;
}

bool append(WalletDecision& d, LedgerKind kind, std::int64_t amount, std::string ref, std::string note,
            Timestamp now) {
  auto balance = checked_add(d.wallet.balance_micro, amount);
  if (!balance) return false;
  d.wallet.balance_micro = *balance;
  d.wallet.last_seq += 1;
  d.entries.push_back(LedgerEntry{d.wallet.org_id, d.wallet.last_seq, kind, amount, *balance, now,
                                  std::move(ref), std::move(note)});
  return true;
}

// Whether one more recharge of the configured amount stays within this month's cap.
bool recharge_fits(const Wallet& w) {
  const auto& a = w.auto_recharge;
  if (!a.enabled || a.amount_micro <= 0) return false;
  auto total = checked_add(w.recharged_this_month_micro, a.amount_micro);
  return total && *total <= a.monthly_cap_micro;
}

bool recharge(WalletDecision& d, Timestamp now, std::string_view why) {
  const auto amount = d.wallet.auto_recharge.amount_micro;
  auto ref = fmt::format("auto_recharge:{}:{}", d.wallet.org_id, d.wallet.last_seq + 1);
  if (!append(d, LedgerKind::auto_recharge, amount, ref, fmt::format("Auto-recharge ({})", why), now)) return false;
  d.wallet.recharged_this_month_micro += amount;  // ≤ cap, checked by recharge_fits
  d.events.push_back(BillingEvent{event_kind::kAutoRechargeRequested, d.wallet.org_id, amount,
                                  d.wallet.balance_micro, std::move(ref), {}, now});
  return true;
}

// After every change: at or above the threshold re-arms the trigger; the first fall below it
// (a crossing) fires one auto-recharge if the cap allows, else tells the admin the wallet is low.
bool settle_threshold(WalletDecision& d, Timestamp now) {
  Wallet& w = d.wallet;
  if (w.balance_micro >= w.auto_recharge.threshold_micro) {
    w.armed = true;
    return true;
  }
  if (!w.armed) return true;
  w.armed = false;
  if (recharge_fits(w)) {
    if (!recharge(d, now, "balance below threshold")) return false;
    if (w.balance_micro >= w.auto_recharge.threshold_micro) w.armed = true;
    return true;
  }
  if (w.auto_recharge.enabled) {
    d.events.push_back(BillingEvent{event_kind::kAutoRechargeCapReached, w.org_id, w.auto_recharge.amount_micro,
                                    w.balance_micro, {}, {}, now});
  }
  d.events.push_back(BillingEvent{event_kind::kWalletLow, w.org_id, 0, w.balance_micro, {}, {}, now});
  return true;
}

// Makes room for a debit the balance cannot cover with one auto-recharge, when that is enough.
// Returns whether the balance now covers `cost`.
bool cover(WalletDecision& d, std::int64_t cost, Timestamp now, bool& failed) {
  if (d.wallet.balance_micro >= cost) return true;
  if (!recharge_fits(d.wallet)) return false;
  auto after = checked_add(d.wallet.balance_micro, d.wallet.auto_recharge.amount_micro);
  if (!after || *after < cost) return false;
  if (!recharge(d, now, "to pay a charge")) failed = true;
  return !failed;
}

Result debit(const Wallet& wallet, LedgerKind kind, const Debit& request, Timestamp now,
             const AppliedRefs& applied, bool refuse_uncovered) {
  if (request.amount_micro < 0 || request.amount_micro > kMaxAmountMicro) {
    return unexpected(invalid_amount(request.amount_micro));
  }
  auto d = begin(wallet, request.ref, now, applied);
  if (!d || d->duplicate) return d;
  if (refuse_uncovered) {
    bool failed = false;
    if (!cover(*d, request.amount_micro, now, failed)) {
      if (failed) return unexpected(overflow());
      return unexpected(billing_error(
          "insufficient_balance", fmt::format("costs {} credits, balance is {} credits", format_credits(request.amount_micro),
                                              format_credits(wallet.balance_micro))));
    }
  }
  if (request.amount_micro == 0) return d;
  if (!append(*d, kind, -request.amount_micro, request.ref, request.note, now)) return unexpected(overflow());
  if (!settle_threshold(*d, now)) return unexpected(overflow());
  return d;
}

}  // namespace

Result apply_topup(const Wallet& wallet, const Credit& credit, Timestamp now, const AppliedRefs& applied) {
  if (credit.amount_micro <= 0 || credit.amount_micro > kMaxAmountMicro) {
    return unexpected(invalid_amount(credit.amount_micro));
  }
  auto d = begin(wallet, credit.ref, now, applied);
  if (!d || d->duplicate) return d;
  if (!append(*d, LedgerKind::topup, credit.amount_micro, credit.ref, credit.note, now)) {
    return unexpected(overflow());
  }
  if (!settle_threshold(*d, now)) return unexpected(overflow());
  return d;
}

Result charge_number_purchase(const Wallet& wallet, const Debit& d, Timestamp now, const AppliedRefs& applied) {
  return debit(wallet, LedgerKind::number_purchase, d, now, applied, true);
}

Result charge_recording_storage(const Wallet& wallet, const Debit& d, Timestamp now, const AppliedRefs& applied) {
  return debit(wallet, LedgerKind::recording_storage, d, now, applied, true);
}

Result charge_call(const Wallet& wallet, const Debit& d, Timestamp now, const AppliedRefs& applied) {
  return debit(wallet, LedgerKind::call_charge, d, now, applied, false);
}

Result charge_number_monthly_fee(const Wallet& wallet, const Debit& d, std::string_view number, Timestamp now,
                                 const AppliedRefs& applied) {
  auto charged = debit(wallet, LedgerKind::number_monthly_fee, d, now, applied, true);
  if (charged || charged.error().code != "insufficient_balance") return charged;
  // Not paid: nothing is written and the fee index stays due; the admin is told.
  auto overdue = begin(wallet, d.ref, now, applied);
  if (!overdue) return overdue;
  overdue->wallet = wallet;  // no month roll either: an overdue decision changes nothing stored
  overdue->overdue = true;
  overdue->events.push_back(BillingEvent{event_kind::kNumberOverdue, wallet.org_id, d.amount_micro,
                                         wallet.balance_micro, d.ref, std::string(number), now});
  return overdue;
}

Result apply_adjustment(const Wallet& wallet, std::int64_t amount_micro, std::string ref, std::string note,
                        Timestamp now, const AppliedRefs& applied) {
  if (amount_micro == 0 || amount_micro > kMaxAmountMicro || amount_micro < -kMaxAmountMicro) {
    return unexpected(invalid_amount(amount_micro));
  }
  auto d = begin(wallet, ref, now, applied);
  if (!d || d->duplicate) return d;
  if (!append(*d, LedgerKind::adjustment, amount_micro, std::move(ref), std::move(note), now)) {
    return unexpected(overflow());
  }
  if (!settle_threshold(*d, now)) return unexpected(overflow());
  return d;
}

Expected<Wallet, BillingError> set_auto_recharge(const Wallet& wallet, const AutoRechargeSettings& s) {
  auto in_range = [](std::int64_t v) { return v >= 0 && v <= kMaxAmountMicro; };
  if (!in_range(s.threshold_micro) || !in_range(s.amount_micro) || !in_range(s.monthly_cap_micro)) {
    return unexpected(billing_error("invalid_setting", "auto-recharge amounts must be between 0 and "
                                                       + std::to_string(kMaxAmountMicro) + " micro-credits"));
  }
  if (s.enabled && s.amount_micro == 0) {
    return unexpected(billing_error("invalid_setting", "auto-recharge amount_micro must be positive"));
  }
  if (s.enabled && s.monthly_cap_micro < s.amount_micro) {
    return unexpected(billing_error("invalid_setting", "auto-recharge monthly_cap_micro must be at least amount_micro"));
  }
  Wallet w = wallet;
  w.auto_recharge = s;
  // A new threshold the balance is already below fires on the next debit, not now: settings
  // changes write no ledger entries.
  w.armed = true;
  return w;
}

}  // namespace callrouter::billing
