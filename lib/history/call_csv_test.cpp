#include "history/call_csv.hpp"

#include <catch2/catch.hpp>

#include "history/csv_field.hpp"

using namespace callrouter;
using namespace callrouter::history;

namespace {

HistoryCall answered() {
  HistoryCall c;
  c.sid = "CA1";
  c.direction = "inbound";
  c.from = "+819012345678";
  c.to = "+815012345678";
  c.status = "completed";
  c.disposition = "answered";
  c.user_id = "u_sato";
  c.group_id = "sales";
  c.flow_id = "main";
  c.started_at = *parse_rfc3339("2026-12-01T00:00:00Z");
  c.connected_at = *parse_rfc3339("2026-12-01T00:00:20Z");
  c.ended_at = *parse_rfc3339("2026-12-01T00:01:20Z");
  c.duration_s = 80;
  c.charge_micro = 30000;
  c.outcome = Outcome::answered;
  c.queue_wait_s = 12;
  c.talk_s = 60;
  return c;
}

std::size_t cells(std::string_view row) {
  std::size_t n = 1;
  bool quoted = false;
  for (char ch : row) {
    if (ch == '"') quoted = !quoted;
    if (ch == ',' && !quoted) ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("call csv: header and row have the same 21 columns, CRLF-terminated") {
  std::string header, row;
  append_csv_header(header, false);
  CHECK(header.starts_with("sid,direction,outcome,from,to,our_number,user_id,user_name,group_id,flow_id,started_at,"));
  CHECK(header.ends_with("recording_url,voicemail_url\r\n"));
  auto tokyo = LocalClock::in_zone("Asia/Tokyo");
  append_csv_row(row, answered(), *tokyo, false, [](std::string_view) { return std::string_view("佐藤 \"Sato\""); });
  CHECK(row == "CA1,inbound,answered,'+819012345678,'+815012345678,'+815012345678,u_sato,\"佐藤 \"\"Sato\"\"\",sales,main,"
               "2026-12-01 09:00:00 +09:00,2026-12-01 09:00:20 +09:00,2026-12-01 09:01:20 +09:00,12,60,80,30000,"
               "completed,answered,,\r\n");
  CHECK(cells(header) == 21);
  CHECK(cells(row) == 21);
}

TEST_CASE("call csv: Japanese headers and values; a live call leaves its end empty") {
  std::string header, row;
  append_csv_header(header, true);
  CHECK(header.starts_with("通話SID,方向,結果,"));
  auto c = answered();
  c.outcome = Outcome::abandoned;
  c.ended_at.reset();
  c.talk_s.reset();
  c.duration_s.reset();
  auto utc = LocalClock::in_zone("UTC");
  append_csv_row(row, c, *utc, true, {});
  CHECK(row.starts_with("CA1,着信,放棄(不在着信),"));
  CHECK(row.find("2026-12-01 00:00:20 +00:00,,12,,,30000,") != std::string::npos);
}

TEST_CASE("call csv: the file is named after the days it covers") {
  auto tokyo = LocalClock::in_zone("Asia/Tokyo");
  CallFilter f;
  f.since = *parse_rfc3339("2026-11-30T15:00:00Z");
  f.until = *parse_rfc3339("2026-12-31T15:00:00Z");
  CHECK(csv_filename(f, *tokyo, {}) == "calls-2026-12-01_2026-12-31.csv");
  CHECK(csv_filename(CallFilter{}, *tokyo, *parse_rfc3339("2027-01-05T00:00:00Z")) == "calls-start_2027-01-05.csv");
}
