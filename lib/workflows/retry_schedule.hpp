// When a workflow delivery is tried again: exponential backoff with jitter from a first delay up
// to a ceiling, the receiver's Retry-After honoured, and a dead letter once the retry window
// (3 days by default) is over. Pure: the time and the random draw are passed in.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "common/time.hpp"

namespace callrouter::workflows {

struct RetryPolicy {
  std::chrono::milliseconds first_delay{5'000};
  std::chrono::milliseconds max_delay{std::chrono::hours(6)};
  std::chrono::seconds max_age{std::chrono::hours(72)};  // from the window's start to the last try
};

// What one attempt's answer means. 2xx: delivered. 410 Gone: the receiver says the hook is no
// more, so the rule is disabled. Anything else (no answer, timeouts, 3xx, 4xx, 5xx) is retried:
// a CRM mid-deploy answers all sorts, and the event must not be lost to a transient 404.
enum class AttemptOutcome { delivered, gone, retry };
AttemptOutcome classify(int http_status);

// Retry-After as delta-seconds ("120") or an HTTP-date ("Wed, 21 Oct 2026 07:28:00 GMT"), as a
// wait from `now` (0 for a date in the past); nullopt when absent or unreadable.
std::optional<std::chrono::microseconds> parse_retry_after(std::string_view value, Timestamp now);

// The time of the next try after `failed_attempts` (≥ 1) failed tries, or nullopt: the window
// that started at `window_start` is over, the delivery is dead. `jitter` is a uniform draw in
// [0, 1): the wait is drawn in [delay/2, delay] so retries of many deliveries spread out.
// A Retry-After longer than that wait is honoured.
std::optional<Timestamp> next_attempt_at(const RetryPolicy& policy, int failed_attempts, Timestamp window_start,
                                         Timestamp now, std::optional<std::chrono::microseconds> retry_after,
                                         double jitter);

}  // namespace callrouter::workflows
