#include "common/wall_clock_steps.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using callrouter::Timestamp;
using callrouter::WallClockSteps;

TEST_CASE("wall clock steps: a step forward is measured, a step back is not held against ages", "[time]") {
  const Timestamp wall{std::chrono::sys_days{std::chrono::December / 3 / 2026}};
  const WallClockSteps::Steady::time_point steady{1000s};
  const WallClockSteps steps(wall, steady);

  CHECK(steps.ahead(wall + 10s, steady + 10s) == 0s);                  // both clocks ran alike
  CHECK(steps.ahead(wall + 72h + 10s, steady + 10s) == 72h);           // stepped three days forward
  CHECK(steps.ahead(wall - 72h + 10s, steady + 10s) == 0s);            // stepped back: never negative
  // So a call that started just before the forward step is judged by the time that really passed.
  const Timestamp started = wall + 5s;
  const auto now = wall + 72h + 10s;
  CHECK((now - started) - steps.ahead(now, steady + 10s) == 5s);
}
