#include "store/history_records.hpp"

#include <simdjson.h>

#include <algorithm>

#include "store/big_endian.hpp"

namespace callrouter::store {
namespace {

using history::CallFact;
using history::HistoryPosition;
using history::TimedFact;

std::uint64_t micros(Timestamp t) { return static_cast<std::uint64_t>(t.time_since_epoch().count()); }
Timestamp from_micros(std::uint64_t us) { return Timestamp(std::chrono::microseconds(static_cast<std::int64_t>(us))); }

char dimension_char(HistoryDimension d) {
  switch (d) {
    case HistoryDimension::user: return 'u';
    case HistoryDimension::group: return 'g';
    case HistoryDimension::number: return 'n';
    case HistoryDimension::flow: return 'f';
    case HistoryDimension::outcome: return 'o';
  }
  return '?';
}

std::string org_prefix(std::string_view org_id) {
  std::string p(org_id);
  p.push_back('\0');
  return p;
}

std::string index_prefix(std::string_view org_id, HistoryDimension dim, std::string_view value) {
  std::string p = org_prefix(org_id);
  p.push_back(dimension_char(dim));
  p.push_back('\0');
  p.append(value);
  p.push_back('\0');
  return p;
}

// The fields of a call event's data that place its records.
struct Placement {
  Timestamp started_at{};
  std::string_view sid, direction, to, from, caller_id, user_id, group_id, flow_id, disposition;
  bool connected = false;
};

std::optional<Placement> place(simdjson::dom::parser& parser, const std::string& data) {
  simdjson::dom::object o;
  if (parser.parse(data).get(o) != simdjson::SUCCESS) return std::nullopt;
  Placement p;
  auto text = [&](const char* key) {
    std::string_view v;
    return o[key].get(v) == simdjson::SUCCESS ? v : std::string_view();
  };
  auto started = parse_rfc3339(text("started_at"));
  if (!started) return std::nullopt;
  p.started_at = *started;
  p.sid = text("sid");
  p.direction = text("direction");
  p.to = text("to");
  p.from = text("from");
  p.caller_id = text("caller_id");
  p.user_id = text("user_id");
  p.group_id = text("group_id");
  p.flow_id = text("flow_id");
  p.disposition = text("disposition");
  p.connected = !text("connected_at").empty();
  return p;
}

// The outcome the call's last record implies when it ends; events before it (queue.abandoned,
// call.voicemail, call.missed) add their own index entries, so the row's outcome always has one.
std::string_view ended_outcome(const Placement& p) {
  if (p.connected) return "answered";
  if (p.disposition == "voicemail") return "voicemail";
  if (p.disposition == "abandoned") return "abandoned";
  if (p.disposition == "rejected") return "rejected";
  if (p.disposition == "failed") return "failed";
  return p.direction == "inbound" ? "missed" : "unanswered";
}

std::string fact_value(CallFact kind, Timestamp at) {
  std::string v;
  v.push_back(kValueVersion);
  v.push_back(static_cast<char>(kind));
  append_be64(v, micros(at));
  return v;
}

std::optional<TimedFact> read_fact(std::string_view stored) {
  if (stored.size() != 10 || stored[0] != kValueVersion) return std::nullopt;
  return TimedFact{static_cast<CallFact>(stored[1]), from_micros(read_be64(stored.substr(2)))};
}

bool is_row_value(std::string_view stored) { return stored.size() >= 2 && stored[0] == kValueVersion && stored[1] == '{'; }

// One change often makes several events with the same data: the row is written once per batch.
void put_row(WriteSet& records, std::string key, std::string value) {
  for (auto it = records.rbegin(); it != records.rend() && it - records.rbegin() < 16; ++it) {
    if (it->cf == Cf::history && it->key == key) {
      it->value = std::move(value);
      return;
    }
  }
  records.push_back({Cf::history, std::move(key), std::move(value)});
}

}  // namespace

std::string history_row_key(std::string_view org_id, Timestamp started_at, std::string_view sid) {
  std::string key = org_prefix(org_id);
  append_be64(key, micros(started_at));
  key.append(sid);
  key.push_back('\0');  // ends the sid: "CA1" is not a prefix of "CA12"'s row
  return key;
}

std::string history_index_key(std::string_view org_id, HistoryDimension dim, std::string_view value,
                              Timestamp started_at, std::string_view sid) {
  std::string key = index_prefix(org_id, dim, value);
  append_be64(key, micros(started_at));
  key.append(sid);
  return key;
}

void derive_history(const events::Event& e, WriteSet& records) {
  // The events of one change carry the same data: it is parsed once (the views stay valid until
  // the parser parses again).
  thread_local simdjson::dom::parser parser;
  thread_local std::string last_data;
  thread_local std::optional<Placement> last_placement;
  if (e.data != last_data) {
    last_placement = place(parser, e.data);
    last_data = e.data;
  }
  const auto& p = last_placement;
  if (!p || p->sid.empty()) return;
  const auto row = history_row_key(e.org_id, p->started_at, p->sid);
  put_row(records, row, encode_value(e.data));
  if (auto fact = history::fact_of_event(e.type)) {
    std::string key = row;
    append_be64(key, e.seq);
    records.push_back({Cf::history, std::move(key), fact_value(*fact, e.at)});
  }
  auto index = [&](HistoryDimension dim, std::string_view value) {
    if (!value.empty()) records.push_back({Cf::history_index, history_index_key(e.org_id, dim, value, p->started_at, p->sid), ""});
  };
  // The dimensions are known at the start, when someone answers, or by the end; writing an entry
  // again is harmless, so each of those events writes what it knows.
  const bool ended = e.type == "call.ended";
  if (e.type == "call.ringing" || e.type == "call.answered" || ended) {
    index(HistoryDimension::user, p->user_id);
    index(HistoryDimension::group, p->group_id);
    index(HistoryDimension::flow, p->flow_id);
    const bool inbound = p->direction == "inbound";
    index(HistoryDimension::number, inbound ? p->to : (p->caller_id.empty() ? p->from : p->caller_id));
  }
  if (p->disposition == "rejected") index(HistoryDimension::outcome, "rejected");  // final at once
  if (e.type == "queue.abandoned") {
    index(HistoryDimension::outcome, "abandoned");
    index(HistoryDimension::outcome, "missed");
  } else if (e.type == "call.voicemail") {
    index(HistoryDimension::outcome, "voicemail");
  } else if (e.type == "call.missed") {
    index(HistoryDimension::outcome, "missed");
  } else if (ended) {
    const auto outcome = ended_outcome(*p);
    index(HistoryDimension::outcome, outcome);
    if (outcome == "abandoned") index(HistoryDimension::outcome, "missed");
  }
}

namespace {

HistoryPosition position_of(std::string_view tail) {
  // tail: 8-byte start time, then the sid (and for rows its closing NUL)
  HistoryPosition at{from_micros(read_be64(tail)), std::string(tail.substr(8))};
  if (!at.sid.empty() && at.sid.back() == '\0') at.sid.pop_back();
  return at;
}

// Rows straight from `history`: newest first, each row's facts come just before it.
HistoryScanEnd scan_rows(const Journal& journal, const std::string& prefix, const std::string& lower,
                         const std::string& upper, std::size_t budget,
                         const std::function<bool(const StoredHistoryRow&)>& visit) {
  HistoryScanEnd end;
  std::size_t examined = 0;
  std::vector<TimedFact> facts;
  std::string facts_row;  // the row key the collected facts belong to
  bool stopped = false;   // by the budget or the visitor, not by the end of the range
  journal.scan_prefix_reverse(Cf::history, prefix, [&](std::string_view key, std::string_view value) {
    if (key < lower) return false;
    if (!is_row_value(value)) {
      if (auto f = read_fact(value); f && key.size() > 8) {
        const auto owner = key.substr(0, key.size() - 8);
        if (owner != facts_row) {
          facts.clear();
          facts_row = std::string(owner);
        }
        facts.push_back(*f);
      }
      return true;
    }
    const auto tail = key.substr(prefix.size());
    if (tail.size() < 10) return true;  // not a key this layout writes
    if (examined >= budget) {
      stopped = true;
      return false;
    }
    ++examined;
    auto at = position_of(tail);
    end.last_examined = at;
    if (key != facts_row) facts.clear();  // facts of a row that is gone
    std::reverse(facts.begin(), facts.end());
    const bool more = visit(StoredHistoryRow{std::move(at), value.substr(1), facts});
    facts.clear();
    facts_row.clear();
    stopped = !more;
    return more;
  }, upper);
  end.reached_end = !stopped;
  return end;
}

// Through an index: positions in batches (no row read while the index iterator is open), then
// each one's row and facts.
HistoryScanEnd scan_index(const Journal& journal, const std::string& org_id, const std::string& prefix,
                          const std::string& lower, std::string upper, std::size_t budget,
                          const std::function<bool(const StoredHistoryRow&)>& visit) {
  constexpr std::size_t kBatch = 64;
  HistoryScanEnd end;
  std::size_t examined = 0;
  std::vector<HistoryPosition> batch;
  for (;;) {
    batch.clear();
    bool more_keys = false;
    std::string last_key;
    journal.scan_prefix_reverse(Cf::history_index, prefix, [&](std::string_view key, std::string_view) {
      if (key < lower) return false;
      const auto tail = key.substr(prefix.size());
      if (tail.size() < 9) return true;
      if (batch.size() == kBatch || examined + batch.size() >= budget) {
        more_keys = true;
        return false;
      }
      batch.push_back(position_of(tail));
      last_key = std::string(key);
      return true;
    }, upper);
    for (auto& at : batch) {
      ++examined;
      end.last_examined = at;
      std::optional<std::string> data;
      std::vector<TimedFact> facts;
      journal.scan_prefix(Cf::history, history_row_key(org_id, at.started_at, at.sid),
                          [&](std::string_view, std::string_view stored) {
                            if (is_row_value(stored)) {
                              data = std::string(stored.substr(1));
                            } else if (auto f = read_fact(stored)) {
                              facts.push_back(*f);
                            }
                            return true;
                          });
      if (!data) continue;  // an index entry whose row retention has removed already
      if (!visit(StoredHistoryRow{at, *data, facts})) return end;
    }
    if (!more_keys) {
      end.reached_end = true;
      return end;
    }
    if (examined >= budget) return end;
    upper = std::move(last_key);
  }
}

}  // namespace

HistoryScanEnd scan_history(const Journal& journal, const HistoryRange& range, std::size_t budget,
                            const std::function<bool(const StoredHistoryRow&)>& visit) {
  const std::string prefix =
      range.index ? index_prefix(range.org_id, range.index->first, range.index->second) : org_prefix(range.org_id);
  // Keys below `upper` (exclusive; empty: the end of the prefix), newest first, down to `lower`.
  std::string upper;
  if (range.until) {
    upper = prefix;
    append_be64(upper, micros(*range.until));
  }
  if (range.after) {
    std::string at = prefix;
    append_be64(at, micros(range.after->started_at));
    at.append(range.after->sid);
    if (!range.index) at.push_back('\0');  // the row key itself: its facts sort after it
    if (upper.empty() || at < upper) upper = std::move(at);
  }
  std::string lower = prefix;
  if (range.since) append_be64(lower, micros(*range.since));
  if (range.index) return scan_index(journal, range.org_id, prefix, lower, std::move(upper), budget, visit);
  return scan_rows(journal, prefix, lower, upper, budget, visit);
}

std::optional<HistoryRowRead> read_history_row(const Reader& reader, std::string_view org_id, Timestamp started_at,
                                               std::string_view sid) {
  const auto row = history_row_key(org_id, started_at, sid);
  std::optional<HistoryRowRead> out;
  reader.scan_prefix(Cf::history, row, [&](std::string_view key, std::string_view stored) {
    if (key.size() == row.size()) {
      if (is_row_value(stored)) {
        if (!out) out.emplace();
        out->data = std::string(stored.substr(1));
      }
    } else if (key.size() == row.size() + 8) {
      if (auto f = read_fact(stored)) {
        if (!out) out.emplace();
        out->facts.emplace_back(read_be64(key.substr(row.size())), *f);
      }
    }
    return true;
  });
  if (out && out->data.empty()) return std::nullopt;  // facts without a row: not a row this layout writes
  return out;
}

std::optional<Timestamp> history_entry_time(Cf cf, std::string_view key) {
  // org NUL [dim NUL value NUL] time…: the time follows the org (history, calls_by_time) or the
  // index value.
  auto nul = key.find('\0');
  if (nul == std::string_view::npos) return std::nullopt;
  std::string_view rest = key.substr(nul + 1);
  if (cf == Cf::history_index) {
    for (int i = 0; i < 2; ++i) {
      nul = rest.find('\0');
      if (nul == std::string_view::npos) return std::nullopt;
      rest = rest.substr(nul + 1);
    }
  } else if (cf != Cf::history && cf != Cf::calls_by_time) {
    return std::nullopt;
  }
  if (rest.size() < 8) return std::nullopt;
  return from_micros(read_be64(rest));
}

}  // namespace callrouter::store
