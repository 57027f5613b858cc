#include "workflows/retry_schedule.hpp"

#include <algorithm>
#include <charconv>
#include <string>

namespace callrouter::workflows {

AttemptOutcome classify(int http_status) {
  if (http_status >= 200 && http_status < 300) return AttemptOutcome::delivered;
  if (http_status == 410) return AttemptOutcome::gone;
  return AttemptOutcome::retry;
}

std::optional<std::chrono::microseconds> parse_retry_after(std::string_view value, Timestamp now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(value.front()))) {
    std::int64_t seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc() || end != value.data() + value.size()) return std::nullopt;
    return std::chrono::seconds(std::min<std::int64_t>(seconds, 10LL * 365 * 86400));
  }
  // IMF-fixdate ends in "GMT"; the RFC 2822 reader wants a numeric zone.
  std::string date(value.substr(0, 64));
  if (date.ends_with(" GMT")) date.replace(date.size() - 3, 3, "+0000");
  auto at = parse_rfc2822(date);
  if (!at) return std::nullopt;
  return std::max(std::chrono::microseconds(0), *at - now);
}

std::optional<Timestamp> next_attempt_at(const RetryPolicy& policy, int failed_attempts, Timestamp window_start,
                                         Timestamp now, std::optional<std::chrono::microseconds> retry_after,
                                         double jitter) {
  using std::chrono::microseconds;
  // first · 2^(n-1), capped; the shift stops growing long before it could overflow.
  const int doublings = std::clamp(failed_attempts - 1, 0, 40);
  microseconds delay = policy.first_delay;
  for (int i = 0; i < doublings && delay < policy.max_delay; ++i) delay *= 2;
  delay = std::min<microseconds>(delay, policy.max_delay);
  jitter = std::clamp(jitter, 0.0, 1.0);
  auto wait = microseconds(delay.count() / 2 + static_cast<std::int64_t>(static_cast<double>(delay.count() / 2) * jitter));
  if (retry_after && *retry_after > wait) wait = *retry_after;
  const auto next = now + wait;
  if (next > window_start + policy.max_age) return std::nullopt;
  return next;
}

}  // namespace callrouter::workflows
