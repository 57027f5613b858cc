// The call figures of analytics: the counters one call adds to its buckets (a pure function of
// the call as the call log shows it), how two sets combine (sums; a maximum for the longest
// wait), and their stored form, which the journal's merge operator adds up.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "history/history_call.hpp"

namespace callrouter::analytics {

// "Answered within T s" is kept for these T (GET /v1/analytics?sl=T picks the service level's).
inline constexpr std::array<std::int64_t, 10> kAnsweredWithin{10, 15, 20, 30, 45, 60, 90, 120, 180, 300};
inline constexpr std::int64_t kDefaultServiceLevelS = 20;
// The index of T in kAnsweredWithin; none for a threshold not kept.
std::optional<std::size_t> answered_within_index(std::int64_t threshold_s);

// Index of each counter in CallCounters (docs/analytics.md defines each one). Append only: the
// stored form names counters by these indices.
enum class Figure : std::size_t {
  offered,            // inbound calls that ended
  answered,           // inbound, a person took it
  missed,             // inbound, nobody took it (abandoned included, as the call log's "missed")
  abandoned,          // inbound, the caller hung up in a queue
  voicemail,
  rejected,
  failed,
  outbound_placed,    // outbound calls that ended
  outbound_answered,  // outbound, the far end answered
  talk_s,             // talk seconds of every call with talk time (both directions)
  handled,            // calls with talk time: the denominator of AHT
  wrap_up_s,          // wrap-up seconds after handled calls of a ring group
  queued,             // inbound calls that waited in a queue: the denominator of service level
  queued_answered,
  queued_abandoned,
  wait_s_sum,         // queue seconds of queued calls
  wait_s_max,         // the longest of them (a maximum, not a sum)
  answer_wait_s_sum,  // queue seconds of queued calls that were answered: the numerator of ASA
  answered_within_first,  // then one per kAnsweredWithin, in its order
  count_ = answered_within_first + kAnsweredWithin.size(),
};
inline constexpr std::size_t kFigureCount = static_cast<std::size_t>(Figure::count_);

struct CallCounters {
  std::array<std::int64_t, kFigureCount> values{};

  std::int64_t& operator[](Figure f) { return values[static_cast<std::size_t>(f)]; }
  std::int64_t operator[](Figure f) const { return values[static_cast<std::size_t>(f)]; }
  std::int64_t answered_within(std::size_t threshold_index) const {
    return values[static_cast<std::size_t>(Figure::answered_within_first) + threshold_index];
  }
  // Sums, except wait_s_max, which takes the larger.
  CallCounters& operator+=(const CallCounters& other);
  bool operator==(const CallCounters&) const = default;
  bool empty() const { return *this == CallCounters{}; }
};

// What one call adds: nothing while it is live (no outcome yet). `wrap_up_s`: the wrap-up its
// agent's ring group gives after a call (0 when none).
CallCounters call_counters(const history::HistoryCall& call, std::int64_t wrap_up_s);

// What turns `before` into `after` when added (sums subtract; a maximum cannot be taken back, so
// wait_s_max carries `after`'s when it grew, else nothing).
CallCounters counters_delta(const CallCounters& before, const CallCounters& after);
// What takes `c` away again (a call that moved to another bucket): its sums negated, no maximum.
CallCounters counters_removal(const CallCounters& c);

// Stored form: a version byte, then for each counter that is not zero its index and value as
// LEB128 varints (the value zigzag-encoded). One call's delta is a few bytes.
std::string encode_counters(const CallCounters& counters);
std::optional<CallCounters> decode_counters(std::string_view stored);
// The stored form of decode(a) += decode(b), for the journal's merge operator; none if either
// is not a counters value.
std::optional<std::string> merge_stored_counters(std::string_view a, std::string_view b);

}  // namespace callrouter::analytics
