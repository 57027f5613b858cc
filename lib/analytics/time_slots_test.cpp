#include "analytics/time_slots.hpp"

#include <catch2/catch.hpp>

using namespace callrouter;
using namespace callrouter::analytics;

namespace {

Timestamp at(const char* text) { return *parse_rfc3339(text); }

std::vector<std::string> labels(const std::vector<LocalBucket>& buckets) {
  std::vector<std::string> out;
  for (const auto& b : buckets) out.push_back(b.label);
  return out;
}

}  // namespace

TEST_CASE("slots are 15 minutes of UTC") {
  CHECK(format_rfc3339(slot_floor(at("2026-12-01T10:14:59.999Z"))) == "2026-12-01T10:00:00Z");
  CHECK(format_rfc3339(slot_floor(at("2026-12-01T10:15:00Z"))) == "2026-12-01T10:15:00Z");
  CHECK(format_rfc3339(slot_ceil(at("2026-12-01T10:15:00Z"))) == "2026-12-01T10:15:00Z");
  CHECK(format_rfc3339(slot_ceil(at("2026-12-01T10:15:01Z"))) == "2026-12-01T10:30:00Z");
  CHECK(slot_at(slot_seconds(at("2026-12-01T10:30:00Z"))) == at("2026-12-01T10:30:00Z"));
}

TEST_CASE("Asia/Kolkata hours start at half past the UTC hour") {
  auto b = local_buckets("Asia/Kolkata", Period::hour, at("2026-12-01T00:30:00Z"), at("2026-12-01T02:30:00Z"));
  REQUIRE(b);
  REQUIRE(b->size() == 2);
  CHECK((*b)[0].label == "2026-12-01T06:00:00+05:30");
  CHECK(format_rfc3339((*b)[0].end) == "2026-12-01T01:30:00Z");
  CHECK((*b)[1].label == "2026-12-01T07:00:00+05:30");
}

TEST_CASE("Asia/Kathmandu +5:45: a range cut inside an hour labels that hour") {
  auto b = local_buckets("Asia/Kathmandu", Period::hour, at("2026-12-01T00:00:00Z"), at("2026-12-01T01:00:00Z"));
  REQUIRE(b);
  REQUIRE(b->size() == 2);
  CHECK((*b)[0].label == "2026-12-01T05:00:00+05:45");
  CHECK(format_rfc3339((*b)[0].end) == "2026-12-01T00:15:00Z");  // 06:00 local
  CHECK((*b)[1].label == "2026-12-01T06:00:00+05:45");
}

TEST_CASE("Asia/Tokyo days run from 15:00 UTC") {
  auto b = local_buckets("Asia/Tokyo", Period::day, at("2026-11-30T15:00:00Z"), at("2026-12-02T15:00:00Z"));
  REQUIRE(b);
  CHECK(labels(*b) == std::vector<std::string>{"2026-12-01", "2026-12-02"});
  CHECK(format_rfc3339((*b)[0].end) == "2026-12-01T15:00:00Z");
}

TEST_CASE("America/New_York across DST: a 23-hour and a 25-hour day, the repeated hour twice") {
  auto spring = local_buckets("America/New_York", Period::day, at("2026-03-08T05:00:00Z"), at("2026-03-09T04:00:00Z"));
  REQUIRE(spring);
  REQUIRE(spring->size() == 1);
  CHECK((*spring)[0].label == "2026-03-08");
  CHECK((*spring)[0].end - (*spring)[0].start == std::chrono::hours(23));

  auto fall = local_buckets("America/New_York", Period::day, at("2026-11-01T04:00:00Z"), at("2026-11-02T05:00:00Z"));
  REQUIRE(fall);
  REQUIRE(fall->size() == 1);
  CHECK((*fall)[0].end - (*fall)[0].start == std::chrono::hours(25));

  auto hours = local_buckets("America/New_York", Period::hour, at("2026-11-01T04:00:00Z"), at("2026-11-01T08:00:00Z"));
  REQUIRE(hours);
  CHECK(labels(*hours) == std::vector<std::string>{"2026-11-01T00:00:00-04:00", "2026-11-01T01:00:00-04:00",
                                                   "2026-11-01T01:00:00-05:00", "2026-11-01T02:00:00-05:00"});
  auto spring_hours = local_buckets("America/New_York", Period::hour, at("2026-03-08T06:00:00Z"), at("2026-03-08T08:00:00Z"));
  REQUIRE(spring_hours);
  CHECK(labels(*spring_hours) == std::vector<std::string>{"2026-03-08T01:00:00-05:00", "2026-03-08T03:00:00-04:00"});
}

TEST_CASE("an unknown zone is refused") { CHECK_FALSE(local_buckets("Nowhere/City", Period::day, at("2026-12-01T00:00:00Z"), at("2026-12-02T00:00:00Z"))); }
