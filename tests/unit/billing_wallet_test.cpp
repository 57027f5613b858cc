#include <catch2/catch.hpp>

#include <limits>
#include <map>
#include <random>
#include <set>

#include "billing/money.hpp"
#include "billing/usage_summary.hpp"
#include "billing/wallet_ledger.hpp"

using namespace callrouter;
using namespace callrouter::billing;

namespace {

Timestamp at(std::string_view rfc3339) { return *parse_rfc3339(rfc3339); }

// What the store does with a decision: journal the entries, remember their refs, keep the wallet.
struct FakeStore {
  Wallet wallet;
  std::vector<LedgerEntry> entries;
  std::set<std::string, std::less<>> refs;
  std::vector<BillingEvent> events;

  FakeStore() { wallet.org_id = "demo"; }
  AppliedRefs applied() const {
    return [this](std::string_view r) { return refs.find(r) != refs.end(); };
  }
  void commit(const WalletDecision& d) {
    for (const auto& e : d.entries) {
      REQUIRE(refs.insert(e.ref).second);  // no ref is ever applied twice
      entries.push_back(e);
    }
    events.insert(events.end(), d.events.begin(), d.events.end());
    wallet = d.wallet;
  }
  std::int64_t ledger_sum() const {
    std::int64_t sum = 0;
    for (const auto& e : entries) sum += e.amount_micro;
    return sum;
  }
};

AutoRechargeSettings recharge(std::int64_t threshold, std::int64_t amount, std::int64_t cap) {
  return AutoRechargeSettings{true, threshold, amount, cap};
}

bool is_threshold_recharge(const LedgerEntry& e) {
  return e.kind == LedgerKind::auto_recharge && e.note.find("threshold") != std::string::npos;
}

}  // namespace

TEST_CASE("a top-up credits the wallet and writes one entry", "[billing]") {
  FakeStore s;
  auto d = apply_topup(s.wallet, {10'000'000, "topup:p1", "card"}, at("2026-11-23T10:00:00Z"), s.applied());
  REQUIRE(d);
  REQUIRE(d->entries.size() == 1);
  const auto& e = d->entries[0];
  CHECK(e.kind == LedgerKind::topup);
  CHECK(e.amount_micro == 10'000'000);
  CHECK(e.balance_after_micro == 10'000'000);
  CHECK(e.seq == 1);
  CHECK(e.org_id == "demo");
  s.commit(*d);
  auto again = apply_topup(s.wallet, {10'000'000, "topup:p1", "card"}, at("2026-11-23T10:00:01Z"), s.applied());
  REQUIRE(again);
  CHECK(again->duplicate);
  CHECK(again->entries.empty());
  CHECK(again->wallet.balance_micro == 10'000'000);
}

TEST_CASE("invalid amounts and refs are refused", "[billing]") {
  Wallet w;
  w.org_id = "demo";
  auto now = at("2026-11-23T10:00:00Z");
  CHECK(apply_topup(w, {0, "t", ""}, now, {}).error().code == "invalid_amount");
  CHECK(apply_topup(w, {-5, "t", ""}, now, {}).error().code == "invalid_amount");
  CHECK(apply_topup(w, {kMaxAmountMicro + 1, "t", ""}, now, {}).error().code == "invalid_amount");
  CHECK(apply_topup(w, {5, "", ""}, now, {}).error().code == "invalid_ref");
  CHECK(charge_call(w, {-1, "call:CA1", ""}, now, {}).error().code == "invalid_amount");
  CHECK(apply_adjustment(w, 0, "adj:1", "", now, {}).error().code == "invalid_amount");
  w.balance_micro = std::numeric_limits<std::int64_t>::max() - 10;
  CHECK(apply_topup(w, {100, "t", ""}, now, {}).error().code == "overflow");
}

TEST_CASE("a number purchase the balance cannot cover is refused and changes nothing", "[billing]") {
  FakeStore s;
  auto now = at("2026-11-23T10:00:00Z");
  s.commit(*apply_topup(s.wallet, {1'000'000, "topup:1", ""}, now, s.applied()));
  auto refused = charge_number_purchase(s.wallet, {1'150'000, "number:+14155550100", "US local"}, now, s.applied());
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == "insufficient_balance");
  auto bought = charge_number_purchase(s.wallet, {1'000'000, "number:+14155550101", ""}, now, s.applied());
  REQUIRE(bought);
  CHECK(bought->wallet.balance_micro == 0);
  CHECK(bought->entries.back().kind == LedgerKind::number_purchase);
}

TEST_CASE("a purchase is covered by one auto-recharge within the cap", "[billing]") {
  FakeStore s;
  auto now = at("2026-11-23T10:00:00Z");
  s.wallet = *set_auto_recharge(s.wallet, recharge(1'000'000, 10'000'000, 20'000'000));
  s.commit(*apply_topup(s.wallet, {2'000'000, "topup:1", ""}, now, s.applied()));
  auto d = charge_number_purchase(s.wallet, {4'500'000, "number:+815012345678", ""}, now, s.applied());
  REQUIRE(d);
  REQUIRE(d->entries.size() == 2);
  CHECK(d->entries[0].kind == LedgerKind::auto_recharge);
  CHECK(d->entries[1].balance_after_micro == 2'000'000 + 10'000'000 - 4'500'000);
  REQUIRE(d->events.size() == 1);
  CHECK(d->events[0].kind == event_kind::kAutoRechargeRequested);
  CHECK(d->events[0].ref == d->entries[0].ref);
}

TEST_CASE("call charges always apply, even below zero", "[billing]") {
  FakeStore s;
  auto now = at("2026-11-23T10:00:00Z");
  s.commit(*apply_topup(s.wallet, {100'000, "topup:1", ""}, now, s.applied()));
  auto d = charge_call(s.wallet, {250'000, "call:CA1", "3 min"}, now, s.applied());
  REQUIRE(d);
  CHECK(d->wallet.balance_micro == -150'000);
  s.commit(*d);
  CHECK(charge_call(s.wallet, {250'000, "call:CA1", "3 min"}, now, s.applied())->duplicate);
  auto free_call = charge_call(s.wallet, {0, "call:CA2", ""}, now, s.applied());
  REQUIRE(free_call);
  CHECK(free_call->entries.empty());
  CHECK_FALSE(free_call->duplicate);
}

TEST_CASE("an unpaid monthly fee marks the number overdue and charges nothing", "[billing]") {
  FakeStore s;
  auto now = at("2026-12-31T10:00:00Z");
  s.commit(*apply_topup(s.wallet, {500'000, "topup:1", ""}, now, s.applied()));
  auto d = charge_number_monthly_fee(s.wallet, {1'150'000, "fee:+14155550100:x:1", ""}, "+14155550100", now, s.applied());
  REQUIRE(d);
  CHECK(d->overdue);
  CHECK(d->entries.empty());
  CHECK(d->wallet.balance_micro == 500'000);
  REQUIRE(d->events.size() == 1);
  CHECK(d->events[0].kind == event_kind::kNumberOverdue);
  CHECK(d->events[0].subject == "+14155550100");
  // After a top-up the same fee index is paid.
  s.commit(*apply_topup(s.wallet, {5'000'000, "topup:2", ""}, now, s.applied()));
  auto paid = charge_number_monthly_fee(s.wallet, {1'150'000, "fee:+14155550100:x:1", ""}, "+14155550100", now, s.applied());
  REQUIRE(paid);
  CHECK_FALSE(paid->overdue);
  CHECK(paid->entries.back().kind == LedgerKind::number_monthly_fee);
  // With auto-recharge on, the fee triggers one recharge instead of going overdue.
  FakeStore r;
  r.wallet = *set_auto_recharge(r.wallet, recharge(0, 5'000'000, 5'000'000));
  auto recharged = charge_number_monthly_fee(r.wallet, {1'150'000, "fee:n:x:1", ""}, "n", now, r.applied());
  REQUIRE(recharged);
  CHECK_FALSE(recharged->overdue);
  CHECK(recharged->wallet.balance_micro == 5'000'000 - 1'150'000);
}

TEST_CASE("auto-recharge fires once per crossing and re-arms at the threshold", "[billing]") {
  FakeStore s;
  auto now = at("2026-11-01T00:00:00Z");
  s.wallet = *set_auto_recharge(s.wallet, recharge(5'000'000, 3'000'000, 100'000'000));
  s.commit(*apply_topup(s.wallet, {6'000'000, "topup:1", ""}, now, s.applied()));
  // 6 → 4.9: crossing, recharge to 7.9 (back above: re-armed).
  auto d1 = charge_call(s.wallet, {1'100'000, "call:1", ""}, now, s.applied());
  REQUIRE(d1->entries.size() == 2);
  CHECK(d1->wallet.balance_micro == 7'900'000);
  CHECK(d1->wallet.armed);
  s.commit(*d1);
  // A recharge that does not bring the balance back stays disarmed: no second recharge.
  s.wallet = *set_auto_recharge(s.wallet, recharge(5'000'000, 1'000'000, 100'000'000));
  auto d2 = charge_call(s.wallet, {4'000'000, "call:2", ""}, now, s.applied());  // 3.9 → +1 = 4.9
  REQUIRE(d2->entries.size() == 2);
  CHECK_FALSE(d2->wallet.armed);
  s.commit(*d2);
  auto d3 = charge_call(s.wallet, {100'000, "call:3", ""}, now, s.applied());
  CHECK(d3->entries.size() == 1);
  s.commit(*d3);
  auto d4 = apply_topup(s.wallet, {1'000'000, "topup:2", ""}, now, s.applied());  // 5.8 ≥ 5: re-armed
  CHECK(d4->wallet.armed);
}

TEST_CASE("auto-recharge never goes beyond the monthly cap; the cap resets next month", "[billing]") {
  FakeStore s;
  auto nov = at("2026-11-10T00:00:00Z");
  s.wallet = *set_auto_recharge(s.wallet, recharge(1'000'000, 3'000'000, 6'000'000));
  s.commit(*apply_topup(s.wallet, {1'500'000, "topup:1", ""}, nov, s.applied()));
  // 1.5 → −1 (+3 = 2) → −0.5 (+3 = 2.5, cap used up) → 0: crossing, but the cap is reached.
  for (int i = 0; i < 5; ++i) {
    s.commit(*charge_call(s.wallet, {2'500'000, "call:" + std::to_string(i), ""}, nov, s.applied()));
  }
  std::int64_t recharged = 0;
  for (const auto& e : s.entries) recharged += e.kind == LedgerKind::auto_recharge ? e.amount_micro : 0;
  CHECK(recharged == 6'000'000);
  CHECK(s.wallet.recharged_this_month_micro == 6'000'000);
  int cap_events = 0, low_events = 0;
  for (const auto& e : s.events) {
    cap_events += e.kind == event_kind::kAutoRechargeCapReached;
    low_events += e.kind == event_kind::kWalletLow;
  }
  CHECK(cap_events == 1);  // once for the crossing, not for every later call
  CHECK(low_events == 1);
  CHECK(s.wallet.balance_micro == -5'000'000);
  // December: a top-up re-arms and resets the month; the next crossing recharges again.
  auto dec = at("2026-12-01T00:00:00Z");
  s.commit(*apply_topup(s.wallet, {20'000'000, "topup:2", ""}, dec, s.applied()));
  CHECK(s.wallet.recharge_month == "2026-12");
  CHECK(s.wallet.recharged_this_month_micro == 0);
  auto d = charge_call(s.wallet, {16'000'000, "call:dec", ""}, dec, s.applied());  // 15 → −1
  CHECK(d->entries.back().kind == LedgerKind::auto_recharge);
  s.commit(*d);
  // A clock jumping back to November neither reopens nor resets a month's cap.
  s.commit(*apply_topup(s.wallet, {20'000'000, "topup:3", ""}, dec, s.applied()));
  auto back = charge_call(s.wallet, {30'000'000, "call:back", ""}, nov, s.applied());
  CHECK(back->wallet.recharge_month == "2026-12");
  CHECK(back->wallet.recharged_this_month_micro == 6'000'000);
}

TEST_CASE("auto-recharge settings are validated", "[billing]") {
  Wallet w;
  CHECK(set_auto_recharge(w, recharge(0, 0, 10)).error().code == "invalid_setting");
  CHECK(set_auto_recharge(w, recharge(0, 10, 5)).error().code == "invalid_setting");
  CHECK(set_auto_recharge(w, recharge(-1, 10, 50)).error().code == "invalid_setting");
  CHECK(set_auto_recharge(w, AutoRechargeSettings{false, 0, 0, 0}));
}

TEST_CASE("ledger entries and wallets round-trip through JSON", "[billing]") {
  LedgerEntry e{"demo", 42, LedgerKind::number_monthly_fee, -1'150'000, 3'850'000, at("2026-12-31T10:00:00Z"),
                "fee:+14155550100:2026-01-31T10:00:00Z:11", "Monthly fee \"US local\""};
  auto back = ledger_entry_from_json(to_json(e));
  REQUIRE(back);
  CHECK(back->seq == 42);
  CHECK(back->kind == LedgerKind::number_monthly_fee);
  CHECK(back->amount_micro == -1'150'000);
  CHECK(back->balance_after_micro == 3'850'000);
  CHECK(back->at == e.at);
  CHECK(back->ref == e.ref);
  CHECK(back->note == e.note);
  CHECK_FALSE(ledger_entry_from_json("{}"));
  CHECK_FALSE(ledger_entry_from_json(R"({"org_id":"d","seq":1,"kind":"gift","amount_micro":1,
      "balance_after_micro":1,"at":"2026-01-01T00:00:00Z","ref":"x"})"));

  Wallet w;
  w.org_id = "demo";
  w.balance_micro = -12'345;
  w.last_seq = 7;
  w.auto_recharge = recharge(1, 2, 3);
  w.recharged_this_month_micro = 2;
  w.recharge_month = "2026-11";
  w.armed = false;
  w.recording = {123, 300'000, "plus"};
  auto wb = wallet_from_json(to_json(w));
  REQUIRE(wb);
  CHECK(to_json(*wb) == to_json(w));
  CHECK_FALSE(wallet_from_json("[]"));
  CHECK_THAT(wallet_from_json(R"({"org_id":"d","balance_micro":1,"last_seq":1,"auto_recharge":{"enabled":true,
      "threshold_micro":"x"}})").error(), Catch::Contains("auto_recharge.threshold_micro"));
}

TEST_CASE("GET /v1/wallet has the documented shape", "[billing]") {
  Wallet w;
  w.org_id = "demo";
  w.balance_micro = 12'500'000;
  w.auto_recharge = recharge(1'000'000, 10'000'000, 50'000'000);
  CHECK(wallet_api_json(w, 500'000) ==
        R"({"balance_micro":12500000,"reserved_micro":500000,"available_micro":12000000,)"
        R"("auto_recharge":{"enabled":true,"threshold_micro":1000000,"amount_micro":10000000,"monthly_cap_micro":50000000},)"
        R"("recharged_this_month_micro":0,"recording":{"used_s":0,"included_s":60000,"plan":"included"}})");
}

TEST_CASE("usage is summarised by month and kind", "[billing]") {
  std::vector<LedgerEntry> entries{
      {"demo", 1, LedgerKind::topup, 10'000'000, 10'000'000, at("2026-11-01T00:00:00Z"), "t1", ""},
      {"demo", 2, LedgerKind::call_charge, -17'000, 9'983'000, at("2026-11-30T23:59:59Z"), "c1", ""},
      {"demo", 3, LedgerKind::call_charge, -8'500, 9'974'500, at("2026-12-01T00:00:00Z"), "c2", ""},
      {"demo", 4, LedgerKind::number_monthly_fee, -1'150'000, 8'824'500, at("2026-12-02T00:00:00Z"), "f1", ""},
  };
  auto summary = summarise_usage(entries);
  REQUIRE(summary.months.size() == 2);
  CHECK(summary.months["2026-11"].by_kind["call_charge"].amount_micro == -17'000);
  CHECK(summary.months["2026-11"].credits_micro == 10'000'000);
  CHECK(summary.months["2026-12"].debits_micro == -1'158'500);
  CHECK(to_json(summary) ==
        R"({"months":[{"month":"2026-11","credits_micro":10000000,"debits_micro":-17000,"by_kind":{)"
        R"("call_charge":{"count":1,"amount_micro":-17000},"topup":{"count":1,"amount_micro":10000000}}},)"
        R"({"month":"2026-12","credits_micro":0,"debits_micro":-1158500,"by_kind":{)"
        R"("call_charge":{"count":1,"amount_micro":-8500},"number_monthly_fee":{"count":1,"amount_micro":-1150000}}}]})");
}

TEST_CASE("property: random operations keep the ledger and wallet consistent", "[billing]") {
  std::mt19937_64 rng(424242);
  auto pick = [&](std::int64_t lo, std::int64_t hi) { return lo + static_cast<std::int64_t>(rng() % (hi - lo + 1)); };
  FakeStore s;
  auto now = at("2026-01-01T00:00:00Z");
  std::map<std::string, std::int64_t> recharged_by_month;  // the test's own count, per wallet month
  std::vector<std::string> used_refs{"none"};
  int duplicates = 0, refusals = 0, overdue = 0, crossings_fired = 0;

  for (int op = 0; op < 20'000; ++op) {
    now += std::chrono::minutes(pick(0, 600));
    if (pick(0, 99) == 0) now -= std::chrono::hours(pick(1, 24 * 40));  // the clock jumps back
    // A retried request reuses an earlier ref a tenth of the time.
    std::string ref = pick(0, 9) == 0 ? used_refs[static_cast<std::size_t>(pick(0, (std::int64_t)used_refs.size() - 1))]
                                      : "ref:" + std::to_string(op);
    const Wallet before = s.wallet;
    Expected<WalletDecision, BillingError> d = unexpected(BillingError{});
    switch (pick(0, 6)) {
      case 0: d = apply_topup(s.wallet, {pick(1, 8'000'000), ref, ""}, now, s.applied()); break;
      case 1:
      case 2: d = charge_call(s.wallet, {pick(0, 3'000'000), ref, ""}, now, s.applied()); break;
      case 3: d = charge_number_purchase(s.wallet, {pick(1, 5'000'000), ref, ""}, now, s.applied()); break;
      case 4: d = charge_number_monthly_fee(s.wallet, {pick(0, 5'000'000), ref, ""}, "+1415", now, s.applied()); break;
      case 5: d = apply_adjustment(s.wallet, pick(-2'000'000, 2'000'000) | 1, ref, "", now, s.applied()); break;
      case 6: {
        auto amount = pick(1, 10'000'000);
        auto set = set_auto_recharge(s.wallet, AutoRechargeSettings{pick(0, 3) != 0, pick(0, 10'000'000), amount,
                                                                    amount * pick(1, 5)});
        REQUIRE(set);
        s.wallet = *set;
        continue;
      }
    }
    if (!d) {
      REQUIRE(d.error().code == "insufficient_balance");
      ++refusals;
      continue;  // nothing is stored for a refusal
    }
    if (d->duplicate) {
      ++duplicates;
      REQUIRE(d->entries.empty());
      REQUIRE(s.refs.contains(ref));
      continue;
    }
    if (d->overdue) ++overdue;

    // Auto-recharge: one threshold recharge at most per decision, only when armed at a crossing,
    // and the month's total never passes the cap in force.
    bool armed = before.armed;
    std::int64_t balance = before.balance_micro;
    const auto threshold = d->wallet.auto_recharge.threshold_micro;
    int fired = 0;
    for (const auto& e : d->entries) {
      if (e.kind == LedgerKind::auto_recharge) {
        REQUIRE(d->wallet.auto_recharge.enabled);
        recharged_by_month[d->wallet.recharge_month] += e.amount_micro;
        REQUIRE(recharged_by_month[d->wallet.recharge_month] <= d->wallet.auto_recharge.monthly_cap_micro);
        if (is_threshold_recharge(e)) {
          REQUIRE(armed);
          REQUIRE(balance < threshold);
          ++fired;
          armed = false;
        }
      } else if (e.balance_after_micro >= threshold) {
        armed = true;
      }
      balance = e.balance_after_micro;
    }
    REQUIRE(fired <= 1);
    crossings_fired += fired;
    REQUIRE(d->wallet.recharged_this_month_micro == recharged_by_month[d->wallet.recharge_month]);

    s.commit(*d);
    for (const auto& e : d->entries) used_refs.push_back(e.ref);

    // Balance is the sum of the ledger; the balance_after chain and seq are consistent.
    REQUIRE(s.wallet.balance_micro == s.ledger_sum());
    REQUIRE(s.wallet.last_seq == s.entries.size());
    if (op % 500 == 0) {
      std::int64_t running = 0;
      for (std::size_t i = 0; i < s.entries.size(); ++i) {
        running += s.entries[i].amount_micro;
        REQUIRE(s.entries[i].balance_after_micro == running);
        REQUIRE(s.entries[i].seq == i + 1);
        REQUIRE(s.entries[i].amount_micro != 0);
      }
      REQUIRE(to_json(*wallet_from_json(to_json(s.wallet))) == to_json(s.wallet));
    }
  }
  CHECK(s.refs.size() == s.entries.size());
  CHECK(duplicates > 100);
  CHECK(refusals > 10);
  CHECK(overdue > 10);
  CHECK(crossings_fired > 10);
}
