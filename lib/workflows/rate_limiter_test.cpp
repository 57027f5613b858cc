#include "workflows/rate_limiter.hpp"

#include <catch2/catch.hpp>

using namespace callrouter;
using namespace callrouter::workflows;
using namespace std::chrono_literals;

TEST_CASE("workflows: an endpoint's rate limit allows a burst, then one per interval", "[workflows]") {
  const Timestamp t0 = Timestamp{} + 1'800'000'000s;
  RateLimiter limit(10, 3);
  for (int i = 0; i < 3; ++i) CHECK(limit.take(t0).count() == 0);
  const auto wait = limit.take(t0);
  CHECK(wait > 99ms);
  CHECK(wait < 101ms);
  CHECK(limit.take(t0 + 50ms).count() > 0);
  CHECK(limit.take(t0 + 100ms).count() == 0);
  CHECK(limit.take(t0 + 100ms).count() > 0);
  // A long quiet spell refills only up to the burst.
  for (int i = 0; i < 3; ++i) CHECK(limit.take(t0 + 1h).count() == 0);
  CHECK(limit.take(t0 + 1h).count() > 0);
}
