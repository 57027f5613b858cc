// Recording storage quota: seconds stored vs seconds the org's plan includes. Each recording is
// counted once (by RecordingSid) when its callback arrives and freed once when it is deleted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "billing/billing_error.hpp"
#include "billing/rate_card.hpp"
#include "billing/wallet.hpp"
#include "billing/wallet_ledger.hpp"
#include "common/expected.hpp"

namespace callrouter::billing {

// Whether a new recording may start: the quota is not used up. A recording in progress is
// allowed to finish past the quota (its length is unknown when it starts).
bool may_record(const RecordingUsage& usage);
inline bool may_record(const Wallet& wallet) { return may_record(wallet.recording); }

// The refs the store remembers, like ledger refs: "rec:RE…" counted, "rec-deleted:RE…" freed.
std::string recording_ref(std::string_view recording_sid);
std::string recording_deleted_ref(std::string_view recording_sid);

struct RecordingDecision {
  RecordingUsage usage;
  bool applied = false;  // false: a duplicate (or, for free_recording, never counted); nothing to store
  std::string ref;       // the ref to remember with the new usage when applied
};

// A recording status callback: adds `duration_s` once per RecordingSid. Errors: "invalid_duration".
Expected<RecordingDecision, BillingError> count_recording(const RecordingUsage& usage, std::string_view recording_sid,
                                                          std::int64_t duration_s, const AppliedRefs& applied);
// A deleted recording gives its seconds back, once, and only if it had been counted.
Expected<RecordingDecision, BillingError> free_recording(const RecordingUsage& usage, std::string_view recording_sid,
                                                         std::int64_t duration_s, const AppliedRefs& applied);

// Moves to another plan of the rate card (its price is debited with charge_recording_storage).
// Errors: "unknown_plan".
Expected<RecordingUsage, BillingError> with_recording_plan(const RecordingUsage& usage, const RateCard& card,
                                                           std::string_view plan_id);

}  // namespace callrouter::billing
