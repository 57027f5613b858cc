#include "billing/recording_quota.hpp"

#include <fmt/format.h>

namespace callrouter::billing {
namespace {

// Twilio recordings last at most 4 hours (a call's limit); a day is already nonsense.
constexpr std::int64_t kMaxRecordingSeconds = 24 * 60 * 60;

Expected<RecordingDecision, BillingError> check(std::string_view recording_sid, std::int64_t duration_s) {
  if (recording_sid.empty()) return unexpected(billing_error("invalid_ref", "a recording needs its RecordingSid"));
  if (duration_s < 0 || duration_s > kMaxRecordingSeconds) {
    return unexpected(billing_error("invalid_duration", fmt::format("recording duration {} s is out of range", duration_s)));
  }
  return RecordingDecision{};
}

}  // namespace

bool may_record(const RecordingUsage& usage) { return usage.used_s < usage.included_s; }

std::string recording_ref(std::string_view recording_sid) { return fmt::format("rec:{}", recording_sid); }

std::string recording_deleted_ref(std::string_view recording_sid) {
  return fmt::format("rec-deleted:{}", recording_sid);
}

Expected<RecordingDecision, BillingError> count_recording(const RecordingUsage& usage, std::string_view recording_sid,
                                                          std::int64_t duration_s, const AppliedRefs& applied) {
  auto d = check(recording_sid, duration_s);
  if (!d) return d;
  d->usage = usage;
  d->ref = recording_ref(recording_sid);
  if (applied && applied(d->ref)) return d;
  d->usage.used_s += duration_s;  // bounded: each step ≤ a day, used_s is an int64
  d->applied = true;
  return d;
}

Expected<RecordingDecision, BillingError> free_recording(const RecordingUsage& usage, std::string_view recording_sid,
                                                         std::int64_t duration_s, const AppliedRefs& applied) {
  auto d = check(recording_sid, duration_s);
  if (!d) return d;
  d->usage = usage;
  d->ref = recording_deleted_ref(recording_sid);
  bool counted = applied && applied(recording_ref(recording_sid));
  if (!counted || applied(d->ref)) return d;
  d->usage.used_s = std::max<std::int64_t>(0, usage.used_s - duration_s);
  d->applied = true;
  return d;
}

Expected<RecordingUsage, BillingError> with_recording_plan(const RecordingUsage& usage, const RateCard& card,
                                                           std::string_view plan_id) {
  const auto* plan = card.recording_plan(plan_id);
  if (!plan) return unexpected(billing_error("unknown_plan", fmt::format("no recording plan \"{}\"", plan_id)));
  RecordingUsage next = usage;
  next.plan = plan->id;
  next.included_s = plan->included_s;
  return next;
}

}  // namespace callrouter::billing
