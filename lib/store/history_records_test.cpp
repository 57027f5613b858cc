#include "store/history_records.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "journal_loop.hpp"

using namespace callrouter;
using namespace callrouter::store;
using namespace std::string_literals;
using namespace std::chrono_literals;

namespace {

const Timestamp t0 = *parse_rfc3339("2026-12-01T00:00:00Z");

std::string data(int n, std::string_view user, std::string_view extra = {}) {
  return fmt::format(R"({{"sid":"CA{}","direction":"inbound","from":"+8190{:08}","to":"+815012345678",)"
                     R"("status":"completed","disposition":"answered","user_id":{},"flow_id":"main",)"
                     R"("started_at":"{}","ended_at":"{}"{}}})",
                     n, n, user.empty() ? "null"s : "\"" + std::string(user) + "\"", format_rfc3339(t0 + std::chrono::seconds(n)),
                     format_rfc3339(t0 + std::chrono::seconds(n) + 60s), extra);
}

// Call n: rings, then (even n) is answered by u_even after a queue stretch, or (odd n) is missed.
void place(WriteSet& ops, int n, std::uint64_t& seq) {
  const auto at = t0 + std::chrono::seconds(n);
  auto event = [&](const char* type, std::string d, Timestamp when) {
    derive_history(events::Event{"acme", ++seq, type, when, fmt::format("CA{}", n), std::move(d)}, ops);
  };
  event("call.ringing", data(n, ""), at);
  if (n % 2 == 0) {
    event("queue.joined", data(n, ""), at + 1s);
    event("queue.left", data(n, "u_even"), at + 11s);
    event("call.answered", data(n, "u_even", R"(,"connected_at":")" + format_rfc3339(at + 12s) + "\""), at + 12s);
    event("call.ended", data(n, "u_even", R"(,"connected_at":")" + format_rfc3339(at + 12s) + "\""), at + 60s);
  } else {
    event("call.missed", data(n, ""), at + 60s);
    event("call.ended", data(n, ""), at + 60s);
  }
}

std::vector<std::string> sids(const Journal& journal, const HistoryRange& range, std::size_t budget = 100,
                              HistoryScanEnd* end_out = nullptr) {
  std::vector<std::string> out;
  auto end = scan_history(journal, range, budget, [&](const StoredHistoryRow& row) {
    auto call = history::read_history_call(row.data, row.facts);
    REQUIRE(call);
    CHECK(call->sid == row.at.sid);
    out.push_back(call->sid);
    return true;
  });
  if (end_out != nullptr) *end_out = end;
  return out;
}

}  // namespace

TEST_CASE("history keys keep their byte layouts") {
  const Timestamp at{std::chrono::microseconds(0x0102030405060708)};
  CHECK(history_row_key("demo", at, "CA1") == "demo\0\x01\x02\x03\x04\x05\x06\x07\x08" "CA1\0"s);
  CHECK(history_index_key("demo", HistoryDimension::user, "u_sato", at, "CA1") ==
        "demo\0u\0u_sato\0\x01\x02\x03\x04\x05\x06\x07\x08" "CA1"s);
  CHECK(history_entry_time(Cf::history, history_row_key("demo", at, "CA1")) == at);
  CHECK(history_entry_time(Cf::history_index, history_index_key("demo", HistoryDimension::outcome, "missed", at, "CA1")) == at);
  CHECK_FALSE(history_entry_time(Cf::calls, "demo\0CA1"s));
}

TEST_CASE("history: rows newest first with their facts, through indexes, cursors, ranges and budgets") {
  testing::TempDir dir;
  testing::Loop loop;
  auto journal = Journal::open(dir.path, Durability::none, loop.post());
  REQUIRE(journal);
  WriteSet ops;
  std::uint64_t seq = 0;
  for (int n = 1; n <= 12; ++n) place(ops, n, seq);
  // Another org's calls, written in between: never seen from acme.
  derive_history(events::Event{"acme2", 1, "call.ringing", t0, "CA99", data(99, "u_even")}, ops);
  REQUIRE((*journal)->write_now(ops));

  HistoryRange all{"acme", {}, {}, {}, {}};
  CHECK(sids(**journal, all) == std::vector<std::string>{"CA12", "CA11", "CA10", "CA9", "CA8", "CA7", "CA6", "CA5",
                                                          "CA4", "CA3", "CA2", "CA1"});
  // The facts come with their row: queue wait and outcome.
  scan_history(**journal, all, 1, [&](const StoredHistoryRow& row) {
    auto call = history::read_history_call(row.data, row.facts);
    CHECK(call->queue_wait_s == 10);
    CHECK(call->outcome == history::Outcome::answered);
    CHECK(call->talk_s == 48);
    return true;
  });

  HistoryRange by_user{"acme", std::make_pair(HistoryDimension::user, "u_even"s), {}, {}, {}};
  CHECK(sids(**journal, by_user) == std::vector<std::string>{"CA12", "CA10", "CA8", "CA6", "CA4", "CA2"});
  HistoryRange missed{"acme", std::make_pair(HistoryDimension::outcome, "missed"s), {}, {}, {}};
  CHECK(sids(**journal, missed) == std::vector<std::string>{"CA11", "CA9", "CA7", "CA5", "CA3", "CA1"});

  // [since, until) and a cursor, on rows and on an index.
  auto window = all;
  window.since = t0 + 3s;
  window.until = t0 + 7s;
  CHECK(sids(**journal, window) == std::vector<std::string>{"CA6", "CA5", "CA4", "CA3"});
  window.after = history::HistoryPosition{t0 + 5s, "CA5"};
  CHECK(sids(**journal, window) == std::vector<std::string>{"CA4", "CA3"});
  auto user_window = by_user;
  user_window.after = history::HistoryPosition{t0 + 8s, "CA8"};
  CHECK(sids(**journal, user_window) == std::vector<std::string>{"CA6", "CA4", "CA2"});

  // A budget stops the scan where a cursor can resume it; nothing is lost or repeated.
  std::vector<std::string> paged;
  for (auto range = all;;) {
    HistoryScanEnd end;
    auto page = sids(**journal, range, 5, &end);
    paged.insert(paged.end(), page.begin(), page.end());
    if (end.reached_end) break;
    REQUIRE(end.last_examined);
    range.after = end.last_examined;
  }
  CHECK(paged == sids(**journal, all));

  HistoryRange other{"acme2", {}, {}, {}, {}};
  CHECK(sids(**journal, other) == std::vector<std::string>{"CA99"});
  HistoryRange prefix_org{"acm", {}, {}, {}, {}};
  CHECK(sids(**journal, prefix_org).empty());
}
