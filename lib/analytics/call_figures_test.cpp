#include "analytics/call_figures.hpp"

#include <catch2/catch.hpp>

#include "analytics/report.hpp"
#include "analytics/time_slots.hpp"

using namespace callrouter;
using namespace callrouter::analytics;
using history::Outcome;

namespace {

history::HistoryCall call(Outcome outcome, bool inbound = true) {
  history::HistoryCall c;
  c.sid = "CA1";
  c.direction = inbound ? "inbound" : "outbound";
  c.outcome = outcome;
  return c;
}

std::vector<QueryParam> params(std::initializer_list<QueryParam> list) { return {list}; }

}  // namespace

TEST_CASE("a live call adds nothing; an ended one adds its outcome once") {
  history::HistoryCall live;
  live.direction = "inbound";
  CHECK(call_counters(live, 0).empty());

  auto c = call_counters(call(Outcome::abandoned), 0);
  CHECK(c[Figure::offered] == 1);
  CHECK(c[Figure::abandoned] == 1);
  CHECK(c[Figure::missed] == 1);  // the call log's missed includes abandoned
  CHECK(c[Figure::answered] == 0);
  CHECK(c[Figure::outbound_placed] == 0);

  auto out = call_counters(call(Outcome::unanswered, false), 0);
  CHECK(out[Figure::outbound_placed] == 1);
  CHECK(out[Figure::outbound_answered] == 0);
  CHECK(out[Figure::offered] == 0);
  CHECK(out[Figure::missed] == 0);
}

TEST_CASE("a queued answered call: wait, ASA numerator, answered within each threshold, talk and wrap-up") {
  auto h = call(Outcome::answered);
  h.queued = true;
  h.queue_wait_s = 20;
  h.talk_s = 95;
  h.user_id = "u_sato";
  h.group_id = "sales";
  auto c = call_counters(h, 10);
  CHECK(c[Figure::queued] == 1);
  CHECK(c[Figure::queued_answered] == 1);
  CHECK(c[Figure::wait_s_sum] == 20);
  CHECK(c[Figure::wait_s_max] == 20);
  CHECK(c[Figure::answer_wait_s_sum] == 20);
  CHECK(c.answered_within(*answered_within_index(15)) == 0);
  CHECK(c.answered_within(*answered_within_index(20)) == 1);  // within: at most T
  CHECK(c.answered_within(*answered_within_index(300)) == 1);
  CHECK(c[Figure::talk_s] == 95);
  CHECK(c[Figure::handled] == 1);
  CHECK(c[Figure::wrap_up_s] == 10);
  h.group_id.clear();  // a forward or a direct user: no ring group, no wrap-up
  CHECK(call_counters(h, 10)[Figure::wrap_up_s] == 0);
}

TEST_CASE("counters add up, the longest wait is a maximum, and a delta turns one into the other") {
  auto a = call(Outcome::answered);
  a.queued = true;
  a.queue_wait_s = 40;
  auto b = call(Outcome::abandoned);
  b.queued = true;
  b.queue_wait_s = 70;
  auto sum = call_counters(a, 0);
  sum += call_counters(b, 0);
  CHECK(sum[Figure::queued] == 2);
  CHECK(sum[Figure::wait_s_sum] == 110);
  CHECK(sum[Figure::wait_s_max] == 70);

  const auto before = call_counters(call(Outcome::rejected), 0);
  const auto after = call_counters(call(Outcome::missed), 0);
  auto moved = before;
  moved += counters_delta(before, after);
  CHECK(moved == after);
  auto gone = before;
  gone += counters_removal(before);
  CHECK(gone.empty());
}

TEST_CASE("stored counters: sparse, round trip, negative values, merged by adding") {
  auto a = call(Outcome::answered);
  a.talk_s = 300;
  auto c = call_counters(a, 0);
  const auto stored = encode_counters(c);
  CHECK(stored.size() < 16);  // a few non-zero counters, a few bytes each
  CHECK(decode_counters(stored) == c);
  const auto negative = counters_removal(c);
  CHECK(decode_counters(encode_counters(negative)) == negative);
  auto merged = merge_stored_counters(stored, encode_counters(c));
  REQUIRE(merged);
  CHECK((*decode_counters(*merged))[Figure::talk_s] == 600);
  CHECK_FALSE(decode_counters(""));
  CHECK_FALSE(decode_counters(std::string("\x07", 1)));
  CHECK_FALSE(decode_counters(std::string("\x01\x80", 2)));  // a varint cut short
  CHECK_FALSE(merge_stored_counters(stored, "garbage"));
}

TEST_CASE("ratios: service level over queued calls with abandons counted, null on an empty row") {
  CallCounters c;
  c[Figure::queued] = 4;
  c[Figure::queued_answered] = 3;
  c[Figure::queued_abandoned] = 1;
  c[Figure::answer_wait_s_sum] = 30;
  c.values[static_cast<std::size_t>(Figure::answered_within_first) + *answered_within_index(20)] = 2;
  c[Figure::offered] = 5;
  c[Figure::missed] = 2;
  c[Figure::talk_s] = 200;
  c[Figure::wrap_up_s] = 40;
  c[Figure::handled] = 3;
  const std::array<std::int64_t, 1> sl{20};
  JsonWriter w;
  w.begin_object();
  write_figures(w, c, sl);
  w.end_object();
  const auto& s = w.str();
  CHECK(s.find(R"("answered_within":{"20":2})") != std::string::npos);
  CHECK(s.find(R"("service_level":0.5000)") != std::string::npos);
  CHECK(s.find(R"("abandon_rate":0.2500)") != std::string::npos);
  CHECK(s.find(R"("missed_rate":0.4000)") != std::string::npos);
  CHECK(s.find(R"("asa_s":10.0000)") != std::string::npos);
  CHECK(s.find(R"("aht_s":80.0000)") != std::string::npos);
  JsonWriter empty;
  empty.begin_object();
  write_figures(empty, CallCounters{}, sl);
  empty.end_object();
  CHECK(empty.str().find(R"("service_level":null)") != std::string::npos);
  CHECK(empty.str().find(R"("aht_s":null)") != std::string::npos);
}

TEST_CASE("analytics query: defaults, dates in the zone, rounding to slots, errors naming the parameter") {
  const auto now = *parse_rfc3339("2026-12-03T05:07:00Z");
  auto q = parse_analytics_query({}, "Asia/Tokyo", now);
  REQUIRE(q);
  CHECK(q->by == By::day);
  CHECK(format_rfc3339(q->since) == "2026-12-02T15:00:00Z");  // today's midnight in Tokyo
  CHECK(format_rfc3339(q->until) == "2026-12-03T05:15:00Z");  // now, up to its slot's end

  auto dated = parse_analytics_query(params({{"since", "2026-12-01"}, {"until", "2026-12-01"}, {"by", "hour"}, {"tz", "Asia/Kolkata"}}),
                                     "Asia/Tokyo", now);
  REQUIRE(dated);
  CHECK(format_rfc3339(dated->since) == "2026-11-30T18:30:00Z");
  CHECK(format_rfc3339(dated->until) == "2026-12-01T18:30:00Z");
  CHECK(dated->tz == "Asia/Kolkata");

  auto rounded = parse_analytics_query(params({{"since", "2026-12-01T00:07:00Z"}, {"until", "2026-12-01T01:01:00Z"}}), "UTC", now);
  REQUIRE(rounded);
  CHECK(format_rfc3339(rounded->since) == "2026-12-01T00:00:00Z");
  CHECK(format_rfc3339(rounded->until) == "2026-12-01T01:15:00Z");

  auto sl = parse_analytics_query(params({{"sl", "30,20"}}), "UTC", now);
  REQUIRE(sl);
  CHECK(sl->thresholds == std::vector<std::int64_t>{30, 20});

  CHECK(parse_analytics_query(params({{"by", "week"}}), "UTC", now).error().find("'by'") != std::string::npos);
  CHECK(parse_analytics_query(params({{"sl", "25"}}), "UTC", now).error().find("'sl'") != std::string::npos);
  CHECK(parse_analytics_query(params({{"tz", "Mars/Base"}}), "UTC", now).error().find("'tz'") != std::string::npos);
  CHECK(parse_analytics_query(params({{"user", "u_sato"}}), "UTC", now).error().find("'user'") != std::string::npos);
  CHECK_FALSE(parse_analytics_query(params({{"since", "2026-12-02"}, {"until", "2026-12-01T00:00:00Z"}}), "UTC", now));
  CHECK_FALSE(parse_analytics_query(params({{"since", "2025-01-01"}, {"by", "hour"}}), "UTC", now));
}
