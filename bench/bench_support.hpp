// Shared pieces of the journal benchmarks: realistic call records and the write sets the app
// produces for them (mirroring engine::CallBook::stage), latency summaries and result files.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "engine/call_book.hpp"
#include "store/answer_records.hpp"
#include "engine/call_record.hpp"
#include "store/config_records.hpp"
#include "store/journal.hpp"

namespace callrouter::bench {

using Clock = std::chrono::steady_clock;

// Provider call SIDs are random hex, so consecutive calls land all over the calls CF's key space,
// as they do in production; a counter would make every insert an append and flatter RocksDB.
inline std::string call_sid(std::uint64_t n) {
  std::uint64_t x = n + 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return fmt::format("CA{:016x}{:016x}", x, n);
}

// An inbound call as the demo flow leaves it: ended (or still in progress when `live`).
inline engine::CallRecord sample_call(std::string org_id, std::string sid, Timestamp started, bool live) {
  using std::chrono::seconds;
  engine::CallRecord r;
  r.sid = std::move(sid);
  r.org_id = std::move(org_id);
  r.direction = "inbound";
  r.from = "+819012345678";
  r.to = "+815012345678";
  r.user_id = "u_sato";
  r.flow_id = "main";
  r.flow_version = 3;
  r.flow_path = {"greeting", "business_hours", "menu", "sales_queue", "ring_sales"};
  r.started_at = started;
  r.answered_at = started + seconds(8);
  if (live) {
    r.status = "in-progress";
    r.last_status_seq = 2;
    r.status_seqs = {0, 1, 2};
  } else {
    r.status = "completed";
    r.disposition = "answered";
    r.ended_at = started + seconds(200);
    r.duration_s = 192;
    r.last_status_seq = 3;
    r.status_seqs = {0, 1, 2, 3};
  }
  return r;
}

// What the demo flow answers to the voice webhook; stored for idempotent replay.
inline const std::string& sample_twiml() {
  static const std::string twiml =
      R"(<?xml version="1.0" encoding="UTF-8"?><Response><Say language="ja-JP" voice="Polly.Mizuki">)"
      "お電話ありがとうございます。デモ株式会社です。</Say><Hangup/></Response>";
  return twiml;
}

inline std::string provider_token(std::string_view sid, int n) { return fmt::format("{}-{:02d}-idem", sid, n); }

// The writes of one voice webhook (App::twilio_voice → CallBook::stage + stage_answer): the call,
// its live index entry, the "voice" event, and the answer under its CallSid.
inline void append_voice_webhook(const engine::CallRecord& ringing, store::WriteSet& ops) {
  const auto key = store::call_key(ringing.org_id, ringing.sid);
  ops.push_back({store::Cf::calls, key, store::encode_value(engine::to_json(ringing))});
  ops.push_back({store::Cf::live_calls, key, ""});
  engine::CallEvent voice{"voice", 0, "ringing", ringing.started_at};
  ops.push_back({store::Cf::call_events, store::call_event_key(ringing.org_id, ringing.sid, voice.kind, voice.seq),
                 store::encode_value(engine::to_json(voice))});
  const auto answer = store::encode_value(engine::encode_answer({200, "text/xml", sample_twiml()}));
  ops.push_back({store::Cf::idempotency, store::answer_key(ringing.org_id, "voice", ringing.sid), answer});
}

// Everything a whole call leaves in the journal once its three webhooks (voice, in-progress,
// completed) are durable: the final record, one row per event, one stored answer per request.
// Ended calls also carry the live index's put and delete, as the journal saw them over the call's life.
inline void append_whole_call(const engine::CallRecord& r, store::WriteSet& ops) {
  using std::chrono::seconds;
  const auto key = store::call_key(r.org_id, r.sid);
  ops.push_back({store::Cf::calls, key, store::encode_value(engine::to_json(r))});
  ops.push_back({store::Cf::live_calls, key, ""});
  std::vector<engine::CallEvent> events{{"voice", 0, "ringing", r.started_at},
                                        {"status", 2, "in-progress", r.started_at + seconds(8)}};
  if (r.terminal()) events.push_back({"status", 3, "completed", r.started_at + seconds(200)});
  const auto voice_answer = store::encode_value(engine::encode_answer({200, "text/xml", sample_twiml()}));
  const auto status_answer =
      store::encode_value(engine::encode_answer({200, "application/json", R"({"status":"recorded"})"}));
  ops.push_back({store::Cf::idempotency, store::answer_key(r.org_id, "voice", r.sid), voice_answer});
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    ops.push_back({store::Cf::call_events, store::call_event_key(r.org_id, r.sid, e.kind, e.seq),
                   store::encode_value(engine::to_json(e))});
    ops.push_back({store::Cf::idempotency, store::answer_key(r.org_id, "token", provider_token(r.sid, static_cast<int>(i))),
                   i == 0 ? voice_answer : status_answer});
  }
  if (r.terminal()) ops.push_back({store::Cf::live_calls, key, "", true});
}

struct LatencySummary {
  std::size_t count = 0;
  double p50_us = 0, p99_us = 0, p999_us = 0, max_us = 0, mean_us = 0;
};

inline LatencySummary summarize(std::vector<std::int64_t>& ns) {
  LatencySummary s;
  s.count = ns.size();
  if (ns.empty()) return s;
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) {
    auto i = static_cast<std::size_t>(q * static_cast<double>(ns.size() - 1) + 0.5);
    return static_cast<double>(ns[std::min(i, ns.size() - 1)]) / 1000.0;
  };
  s.p50_us = at(0.50);
  s.p99_us = at(0.99);
  s.p999_us = at(0.999);
  s.max_us = static_cast<double>(ns.back()) / 1000.0;
  double sum = 0;
  for (auto v : ns) sum += static_cast<double>(v);
  s.mean_us = sum / static_cast<double>(ns.size()) / 1000.0;
  return s;
}

inline std::uint64_t dir_bytes(const std::filesystem::path& dir, std::string_view suffix = "") {
  std::uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    if (!suffix.empty() && !it->path().string().ends_with(suffix)) continue;
    total += it->file_size(ec);
  }
  return total;
}

// The 1-minute load average: benchmarks record it so a run disturbed by other work can be spotted.
inline double load_average() {
  std::ifstream in("/proc/loadavg");
  double load = -1;
  in >> load;
  return load;
}

inline std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("model name")) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

inline std::string mib(std::uint64_t bytes) { return fmt::format("{:.0f} MiB", static_cast<double>(bytes) / (1 << 20)); }

inline bool write_file(const std::filesystem::path& path, const std::string& text) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace callrouter::bench
