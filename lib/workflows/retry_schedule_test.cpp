#include "workflows/retry_schedule.hpp"

#include <catch2/catch.hpp>

using namespace callrouter;
using namespace callrouter::workflows;
using namespace std::chrono_literals;

namespace {
const Timestamp t0 = Timestamp{} + 1'800'000'000s;
}

TEST_CASE("workflows: 2xx delivers, 410 disables, everything else is retried", "[workflows]") {
  CHECK(classify(200) == AttemptOutcome::delivered);
  CHECK(classify(204) == AttemptOutcome::delivered);
  CHECK(classify(410) == AttemptOutcome::gone);
  for (int s : {0, 301, 400, 404, 408, 429, 500, 502, 503}) CHECK(classify(s) == AttemptOutcome::retry);
}

TEST_CASE("workflows: the backoff doubles from the first delay up to the ceiling, jittered", "[workflows]") {
  const RetryPolicy p{5s, 1h, 72h};
  // jitter 1 gives the full delay, 0 half of it
  CHECK(next_attempt_at(p, 1, t0, t0, std::nullopt, 0.999999).value() - t0 >= 4999ms);
  CHECK(next_attempt_at(p, 1, t0, t0, std::nullopt, 0.0).value() - t0 == 2500ms);
  CHECK(next_attempt_at(p, 2, t0, t0, std::nullopt, 0.0).value() - t0 == 5s);
  CHECK(next_attempt_at(p, 3, t0, t0, std::nullopt, 0.0).value() - t0 == 10s);
  CHECK(next_attempt_at(p, 20, t0, t0, std::nullopt, 0.0).value() - t0 == 30min);
  CHECK(next_attempt_at(p, 1000, t0, t0, std::nullopt, 1.0).value() - t0 == 1h);
}

TEST_CASE("workflows: the default schedule keeps trying for 3 days, then the delivery is dead", "[workflows]") {
  const RetryPolicy p;  // 5 s doubling to 6 h, 72 h
  auto now = t0;
  int failed = 0;
  while (auto next = next_attempt_at(p, ++failed, t0, now, std::nullopt, 0.5)) now = *next;
  CHECK(now - t0 <= 72h);
  CHECK(now - t0 > 66h);  // the last try is within one 6 h step of the end
  CHECK(failed > 15);
  CHECK(failed < 30);
}

TEST_CASE("workflows: Retry-After is honoured when longer, in seconds or as a date", "[workflows]") {
  const RetryPolicy p{1s, 1h, 72h};
  CHECK(parse_retry_after("120", t0) == std::chrono::microseconds(120s));
  CHECK(parse_retry_after(" 7 ", t0) == std::chrono::microseconds(7s));
  CHECK(parse_retry_after(format_rfc3339(t0), t0) == std::nullopt);  // not an HTTP-date
  const auto date = parse_retry_after("Fri, 15 Jan 2027 08:00:30 GMT", *parse_rfc3339("2027-01-15T08:00:00Z"));
  CHECK(date == std::chrono::microseconds(30s));
  CHECK(parse_retry_after("Fri, 15 Jan 2027 08:00:30 GMT", *parse_rfc3339("2027-01-16T00:00:00Z")) ==
        std::chrono::microseconds(0));
  CHECK_FALSE(parse_retry_after("", t0));
  CHECK_FALSE(parse_retry_after("soon", t0));
  CHECK_FALSE(parse_retry_after("12s", t0));
  CHECK(next_attempt_at(p, 1, t0, t0, std::chrono::microseconds(90s), 0.0).value() - t0 == 90s);
  CHECK(next_attempt_at(p, 1, t0, t0, std::chrono::microseconds(0s), 0.0).value() - t0 == 500ms);
  // Past the window's end even by Retry-After's word: dead.
  CHECK_FALSE(next_attempt_at(p, 1, t0, t0, std::chrono::microseconds(73h), 0.0));
}
