// Analytics benchmark (issue 16): N calls spread over a year, 1,000 users in 50 groups, derived
// the way the daemon does it (derive_history, then AnalyticsCounters::derive in the same batch,
// journaled, committed), then GET /v1/analytics's store and bucketing work for a year: by hour
// and by day in Asia/Tokyo, and by user. Prints the per-event cost of the counters on the call
// path (µs, timed around AnalyticsCounters::derive alone) and query p50/p99.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "analytics/time_slots.hpp"
#include <fmt/format.h>

#include "engine/call_record.hpp"
#include "common/json_writer.hpp"
#include "store/analytics_records.hpp"
#include "store/history_records.hpp"

using namespace callrouter;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

// Random-looking CallSids, as the provider's are.
std::string call_sid(std::uint64_t n) {
  std::uint64_t x = n + 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return fmt::format("CA{:016x}{:016x}", x, n);
}

engine::CallRecord ringing_call(std::string sid, Timestamp started) {
  engine::CallRecord r;
  r.sid = std::move(sid);
  r.org_id = "bench";
  r.direction = "inbound";
  r.from = "+819012345678";
  r.to = "+815012345678";
  r.flow_id = "main";
  r.status = "in-progress";
  r.started_at = started;
  r.answered_at = started + std::chrono::seconds(8);
  return r;
}

constexpr int kUsers = 1000;
constexpr int kGroups = 50;

std::string data_of(const engine::CallRecord& r) {
  JsonWriter w;
  w.begin_object();
  engine::write_call_fields(w, r);
  w.end_object();
  return w.take();
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

template <class F>
std::pair<double, double> time_ms(int runs, F&& f) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto started = Clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - started).count());
  }
  return {percentile(ms, 0.5), percentile(ms, 0.99)};
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t calls = 1'000'000;
  std::string dir = "/tmp/callrouter-analytics-bench", out = "bench/results/analytics.json";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--calls") calls = std::strtoull(argv[i + 1], nullptr, 10);
    if (a == "--dir") dir = argv[i + 1];
    if (a == "--out") out = argv[i + 1];
  }
  spdlog::set_level(spdlog::level::warn);
  std::filesystem::remove_all(dir);
  auto journal = store::Journal::open(dir, Durability::none, [](std::function<void()> fn) { fn(); });
  if (!journal) {
    std::fprintf(stderr, "%s\n", journal.error().c_str());
    return 1;
  }
  const Timestamp t0 = *parse_rfc3339("2026-01-01T00:00:00Z");
  const auto year = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::days(365));
  const auto spacing = year / static_cast<std::int64_t>(calls);
  store::AnalyticsCounters counters(**journal, [](std::string_view, std::string_view) { return std::int64_t{10}; });

  std::uint64_t seq = 0, events = 0, merges = 0;
  std::vector<double> derive_ns;
  derive_ns.reserve(calls * 5);
  store::WriteSet batch;
  std::vector<events::Event> pending;
  const auto fill_started = Clock::now();
  for (std::uint64_t n = 0; n < calls; ++n) {
    auto r = ringing_call(call_sid(n), t0 + spacing * static_cast<std::int64_t>(n));
    const auto kind = n % 20;
    auto event = [&](const std::string& type) {
      events::Event e{"bench", ++seq, type, r.started_at, r.sid, data_of(r)};
      store::derive_history(e, batch);
      const auto before = batch.size();
      const auto started = Clock::now();
      counters.derive(e, batch);
      derive_ns.push_back(static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - started).count()));
      merges += batch.size() - before;
      ++events;
      pending.push_back(std::move(e));
    };
    event("call.ringing");
    if (kind < 14) {
      event("queue.joined");
      r.user_id = fmt::format("u_{}", n % kUsers);
      r.group_id = fmt::format("g_{}", n % kGroups);
      event("queue.left");
      r.connected_at = r.started_at + 20s;
      event("call.answered");
    } else if (kind < 18) {
      r.disposition = "missed";
      event("call.missed");
    } else if (kind == 18) {
      event("queue.joined");
      event("queue.abandoned");
    } else {
      r.disposition = "voicemail";
      event("call.voicemail");
    }
    r.status = "completed";
    if (r.disposition.empty()) r.disposition = r.connected_at ? "answered" : "abandoned";
    r.ended_at = r.started_at + 200s;
    r.duration_s = 192;
    event("call.ended");
    if (batch.size() >= 20'000 || n + 1 == calls) {
      if (auto ok = (*journal)->write_now(batch); !ok) {
        std::fprintf(stderr, "write: %s\n", ok.error().c_str());
        return 1;
      }
      for (const auto& e : pending) counters.committed(e);
      batch.clear();
      pending.clear();
    }
  }
  const double fill_s = std::chrono::duration<double>(Clock::now() - fill_started).count();
  double sum = 0;
  for (auto v : derive_ns) sum += v;
  const double mean_us = sum / static_cast<double>(derive_ns.size()) / 1000.0;
  const double p99_us = percentile(derive_ns, 0.99) / 1000.0;
  std::printf("journaled %llu calls over a year (%llu events, %llu analytics merges) in %.1f s\n",
              static_cast<unsigned long long>(calls), static_cast<unsigned long long>(events),
              static_cast<unsigned long long>(merges), fill_s);
  std::printf("AnalyticsCounters::derive: %.2f µs/event mean, %.2f µs p99 (views left in memory: %zu)\n", mean_us, p99_us,
              counters.views());

  const auto since = t0, until = t0 + year;
  std::size_t rows = 0;
  auto by_period = [&](analytics::Period period) {
    auto buckets = analytics::local_buckets("Asia/Tokyo", period, since, until);
    rows = store::sum_into_buckets(**journal, "bench", *buckets).size();
  };
  const auto hour = time_ms(20, [&] { by_period(analytics::Period::hour); });
  const auto hour_rows = rows;
  const auto day = time_ms(20, [&] { by_period(analytics::Period::day); });
  const auto user = time_ms(10, [&] {
    rows = store::sum_by_value(**journal, "bench", store::AnalyticsDimension::user, analytics::slot_seconds(since),
                               analytics::slot_seconds(until)).size();
  });
  const auto user_rows = rows;
  const auto user_month = time_ms(20, [&] {
    rows = store::sum_by_value(**journal, "bench", store::AnalyticsDimension::user, analytics::slot_seconds(since),
                               analytics::slot_seconds(since + std::chrono::days(31))).size();
  });
  std::printf("a year by hour (Asia/Tokyo, %zu rows): p50 %.1f ms, p99 %.1f ms\n", hour_rows, hour.first, hour.second);
  std::printf("a year by day: p50 %.1f ms, p99 %.1f ms\n", day.first, day.second);
  std::printf("a year by user (%zu rows): p50 %.1f ms, p99 %.1f ms\n", user_rows, user.first, user.second);
  std::printf("a month by user: p50 %.1f ms, p99 %.1f ms\n", user_month.first, user_month.second);

  std::ofstream f(out);
  f << fmt::format(R"({{"calls":{},"events":{},"derive_us_mean":{:.3f},"derive_us_p99":{:.3f},)"
                   R"("year_by_hour_ms":{{"p50":{:.2f},"p99":{:.2f}}},"year_by_day_ms":{{"p50":{:.2f},"p99":{:.2f}}},)"
                   R"("year_by_user_ms":{{"p50":{:.2f},"p99":{:.2f}}},"month_by_user_ms":{{"p50":{:.2f},"p99":{:.2f}}}}})",
                   calls, events, mean_us, p99_us, hour.first, hour.second, day.first, day.second, user.first, user.second,
                   user_month.first, user_month.second)
    << "\n";
  (*journal)->close();
  std::filesystem::remove_all(dir);
  return 0;
}
