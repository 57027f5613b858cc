// Call history benchmark (issue 14): journals N calls' history records the way derive_history
// writes them, then measures (1) the CSV export path (scan newest first, decode, filter, format
// a row) in rows/s with the process RSS before, during and after, (2) filtered page latency
// (p50/p99 of GET /v1/calls' store and history work, 50 calls a page) for the common filters,
// (3) what derive_history adds to each committed event (µs, and records/bytes per call).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "common/json_writer.hpp"
#include "events/event.hpp"
#include "history/call_csv.hpp"
#include "history/call_filter.hpp"
#include "history/csv_field.hpp"
#include "store/history_records.hpp"

using namespace callrouter;
using namespace callrouter::bench;
using namespace std::chrono_literals;

namespace {

std::size_t rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::strtoull(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

constexpr int kUsers = 1000;
constexpr int kGroups = 50;

// Call n of the benchmark org: a second apart, answered by one of 1,000 users (70 %), missed
// (20 %), abandoned in a queue (5 %) or left a voicemail (5 %).
struct SampleCall {
  engine::CallRecord record;
  std::vector<std::string> events;  // types, in commit order
};

SampleCall sample(std::uint64_t n, Timestamp t0) {
  SampleCall s;
  auto& r = s.record;
  r = sample_call("bench", call_sid(n), t0 + std::chrono::seconds(n), false);
  r.from = fmt::format("+8190{:08}", n % 100'000'000);
  const auto kind = n % 20;
  s.events = {"call.ringing"};
  if (kind < 14) {
    r.user_id = fmt::format("u_{}", n % kUsers);
    r.group_id = fmt::format("g_{}", n % kGroups);
    r.connected_at = r.started_at + 20s;
    s.events.insert(s.events.end(), {"queue.joined", "queue.left", "call.answered"});
  } else if (kind < 18) {
    r.user_id.clear();
    r.disposition = "missed";
    r.status = "no-answer";
    s.events.push_back("call.missed");
  } else if (kind == 18) {
    r.user_id.clear();
    s.events.insert(s.events.end(), {"queue.joined", "queue.abandoned", "call.missed"});
  } else {
    r.user_id.clear();
    r.disposition = "voicemail";
    s.events.push_back("call.voicemail");
  }
  s.events.push_back("call.ended");
  return s;
}

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

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t calls = 1'000'000;
  std::string dir = "/tmp/callrouter-history-bench", out = "bench/results/history.json";
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

  // (3) derive_history per event, and the journaling of N calls' history records.
  std::uint64_t seq = 0, events = 0, records = 0, bytes = 0;
  double derive_ns = 0;
  store::WriteSet batch;
  const auto fill_started = Clock::now();
  for (std::uint64_t n = 0; n < calls; ++n) {
    auto s = sample(n, t0);
    const auto data = data_of(s.record);
    for (const auto& type : s.events) {
      events::Event e{"bench", ++seq, type, s.record.started_at, s.record.sid, data};
      const auto before = batch.size();
      const auto started = Clock::now();
      store::derive_history(e, batch);
      derive_ns += static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - started).count());
      ++events;
      for (auto i = before; i < batch.size(); ++i) bytes += batch[i].key.size() + batch[i].value.size();
    }
    if (batch.size() >= 20'000 || n + 1 == calls) {
      records += batch.size();
      if (auto ok = (*journal)->write_now(batch); !ok) {
        std::fprintf(stderr, "write: %s\n", ok.error().c_str());
        return 1;
      }
      batch.clear();
    }
  }
  const double fill_s = std::chrono::duration<double>(Clock::now() - fill_started).count();
  std::printf("journaled %llu calls (%llu events, %llu history records, %.0f B/call) in %.1f s; derive_history %.2f µs/event\n",
              static_cast<unsigned long long>(calls), static_cast<unsigned long long>(events),
              static_cast<unsigned long long>(records), static_cast<double>(bytes) / static_cast<double>(calls), fill_s,
              derive_ns / static_cast<double>(events) / 1000.0);
  // As after a restart: what was written is in SST files, compacted (reads do not walk L0 files).
  (*journal)->close();
  journal->reset();
  journal = store::Journal::open(dir, Durability::none, [](std::function<void()> fn) { fn(); });
  bool compacted = false;
  (*journal)->start_compaction([&](Expected<Ok>) { compacted = true; });
  while (!compacted) std::this_thread::sleep_for(100ms);

  // (1) Export: every call, newest first, as CSV pieces that are dropped once "sent".
  auto clock = history::LocalClock::in_zone("Asia/Tokyo");
  const std::size_t rss_before = rss_kib();
  std::size_t rss_max = rss_before, rows = 0, csv_bytes = 0;
  store::HistoryRange range;
  range.org_id = "bench";
  history::CallFilter all;
  const history::UserName name = [](std::string_view) { return std::string_view("佐藤 太郎"); };
  std::string piece;
  const auto export_started = Clock::now();
  for (;;) {
    piece.clear();
    auto end = store::scan_history(**journal, range, 256, [&](const store::StoredHistoryRow& row) {
      auto call = history::read_history_call(row.data, row.facts);
      if (call && history::matches(all, *call)) {
        history::append_csv_row(piece, *call, *clock, false, name);
        ++rows;
      }
      return true;
    });
    csv_bytes += piece.size();
    if ((rows & 0xffff) < 256) rss_max = std::max(rss_max, rss_kib());
    if (end.reached_end || !end.last_examined) break;
    range.after = end.last_examined;
  }
  const double export_s = std::chrono::duration<double>(Clock::now() - export_started).count();
  const std::size_t rss_after = rss_kib();
  std::printf("export: %zu rows, %.1f MB of CSV in %.2f s = %.0f rows/s; RSS before %zu KiB, max %zu KiB, after %zu KiB\n",
              rows, static_cast<double>(csv_bytes) / 1e6, export_s, static_cast<double>(rows) / export_s, rss_before,
              rss_max, rss_after);

  // (2) Pages: 50 calls, first pages and pages at random cursors, per filter.
  struct Case {
    std::string name;
    std::vector<history::QueryParam> params;
  };
  std::vector<Case> cases = {
      {"no filter", {}},
      {"user", {{"user", "u_413"}}},
      {"group", {{"group", "g_7"}}},
      {"outcome=missed", {{"outcome", "missed"}}},
      {"direction=inbound&outcome=answered", {{"direction", "inbound"}, {"outcome", "answered"}}},
      {"user + since/until (a week)", {{"user", "u_413"}, {"since", "2026-01-03"}, {"until", "2026-01-09"}}},
      {"q (part of a number; scan with budget)", {{"q", "4242"}}},
  };
  std::mt19937_64 rng(14);
  std::string json_results = "[";
  for (const auto& c : cases) {
    auto q = history::parse_history_query(c.params, history::QueryKind::page, "Asia/Tokyo");
    if (!q) {
      std::fprintf(stderr, "%s: %s\n", c.name.c_str(), q.error().c_str());
      return 1;
    }
    std::vector<double> ms;
    std::size_t listed_total = 0;
    for (int i = 0; i < 400; ++i) {
      store::HistoryRange r;
      r.org_id = "bench";
      r.since = q->filter.since;
      r.until = q->filter.until;
      const auto& f = q->filter;
      if (!f.user.empty()) r.index.emplace(store::HistoryDimension::user, f.user);
      else if (!f.group.empty()) r.index.emplace(store::HistoryDimension::group, f.group);
      else if (f.outcome) r.index.emplace(store::HistoryDimension::outcome, std::string(history::outcome_name(*f.outcome)));
      if (i % 2 == 1) {  // a later page: a cursor somewhere in the history
        const auto n = rng() % calls;
        r.after = history::HistoryPosition{t0 + std::chrono::seconds(n), call_sid(n)};
      }
      const auto started = Clock::now();
      std::size_t listed = 0;
      std::string body;
      store::scan_history(**journal, r, 1000,  // api_calls.cpp kPageBudget
                           [&](const store::StoredHistoryRow& row) {
        auto call = history::read_history_call(row.data, row.facts);
        if (!call || !history::matches(f, *call)) return true;
        JsonWriter w;
        w.begin_object();
        history::write_history_call(w, *call);
        w.end_object();
        body.append(w.str());
        return ++listed < 50;
      });
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - started).count());
      listed_total += listed;
    }
    std::printf("page %-40s p50 %.3f ms  p99 %.3f ms  max %.3f ms  (%.1f calls/page)\n", c.name.c_str(),
                percentile(ms, 0.5), percentile(ms, 0.99), percentile(ms, 1.0),
                static_cast<double>(listed_total) / static_cast<double>(ms.size()));
    json_results += fmt::format("{}{{\"filter\":\"{}\",\"p50_ms\":{:.3f},\"p99_ms\":{:.3f},\"calls_per_page\":{:.1f}}}",
                                json_results.size() > 1 ? "," : "", c.name, percentile(ms, 0.5), percentile(ms, 0.99),
                                static_cast<double>(listed_total) / static_cast<double>(ms.size()));
  }
  json_results += "]";
  std::ofstream(out) << fmt::format(
      "{{\"calls\":{},\"derive_us_per_event\":{:.3f},\"history_bytes_per_call\":{:.0f},"
      "\"export_rows_per_s\":{:.0f},\"export_rss_kib\":{{\"before\":{},\"max\":{},\"after\":{}}},\"pages\":{}}}\n",
      calls, derive_ns / static_cast<double>(events) / 1000.0, static_cast<double>(bytes) / static_cast<double>(calls),
      static_cast<double>(rows) / export_s, rss_before, rss_max, rss_after, json_results);
  (*journal)->close();
  std::filesystem::remove_all(dir);
  return 0;
}
