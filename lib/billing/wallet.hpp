// An org's wallet: balance, auto-recharge settings and state, and recording storage usage.
// The value the engine holds per org and the journal stores; changed only by wallet_ledger.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/expected.hpp"

namespace callrouter::billing {

inline constexpr std::int64_t kDefaultIncludedRecordingS = 60'000;  // 1000 minutes
inline constexpr std::string_view kDefaultRecordingPlan = "included";

struct AutoRechargeSettings {
  bool enabled = false;
  std::int64_t threshold_micro = 0;    // recharge when the balance falls below this
  std::int64_t amount_micro = 0;       // credits added per recharge
  std::int64_t monthly_cap_micro = 0;  // most credits auto-recharged per calendar month (UTC)
};

struct RecordingUsage {
  std::int64_t used_s = 0;
  std::int64_t included_s = kDefaultIncludedRecordingS;
  std::string plan = std::string(kDefaultRecordingPlan);
};

struct Wallet {
  std::string org_id;
  std::int64_t balance_micro = 0;  // may be negative: see docs/billing.md, "negative balance"
  std::uint64_t last_seq = 0;      // seq of the last ledger entry applied
  AutoRechargeSettings auto_recharge;
  // Auto-recharge state: credits recharged in `recharge_month` ("YYYY-MM", UTC), and whether the
  // next fall below the threshold may fire (cleared when it fires, set again at ≥ threshold).
  std::int64_t recharged_this_month_micro = 0;
  std::string recharge_month;
  bool armed = true;
  RecordingUsage recording;
};

// The stored form (every field); the inverse of wallet_from_json.
std::string to_json(const Wallet& wallet);
Expected<Wallet> wallet_from_json(std::string_view json);

// GET /v1/wallet (DESIGN §4): balance, auto-recharge settings, recording usage; plus what
// concurrent outbound calls hold (`reserved_micro`) and what is left (`available_micro`).
std::string wallet_api_json(const Wallet& wallet, std::int64_t reserved_micro = 0);

}  // namespace callrouter::billing
