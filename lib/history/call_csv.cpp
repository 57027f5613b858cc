#include "history/call_csv.hpp"

#include <array>

#include "history/csv_field.hpp"

namespace callrouter::history {
namespace {

struct Column {
  std::string_view en, ja;
};

// The order of docs/api.md "CSV columns".
constexpr std::array<Column, 21> kColumns{{
    {"sid", "通話SID"},
    {"direction", "方向"},
    {"outcome", "結果"},
    {"from", "発信元番号"},
    {"to", "発信先番号"},
    {"our_number", "自社番号"},
    {"user_id", "ユーザーID"},
    {"user_name", "ユーザー名"},
    {"group_id", "グループ"},
    {"flow_id", "フロー"},
    {"started_at", "開始日時"},
    {"answered_at", "応答日時"},
    {"ended_at", "終了日時"},
    {"queue_wait_s", "待ち時間(秒)"},
    {"talk_s", "通話時間(秒)"},
    {"duration_s", "合計時間(秒)"},
    {"charge_micro", "料金(マイクロクレジット)"},
    {"status", "ステータス"},
    {"disposition", "処理結果"},
    {"recording_url", "録音URL"},
    {"voicemail_url", "留守番電話URL"},
}};

std::string_view direction_text(std::string_view direction, bool japanese) {
  if (!japanese) return direction;
  if (direction == "inbound") return "着信";
  if (direction == "outbound") return "発信";
  return direction;
}

std::string_view outcome_text(Outcome o, bool japanese) {
  if (!japanese) return outcome_name(o);
  switch (o) {
    case Outcome::answered: return "応答";
    case Outcome::missed: return "不在着信";
    case Outcome::abandoned: return "放棄(不在着信)";
    case Outcome::voicemail: return "留守番電話";
    case Outcome::rejected: return "拒否";
    case Outcome::failed: return "失敗";
    case Outcome::unanswered: return "未応答";
  }
  return outcome_name(o);
}

void time_cell(std::string& out, const std::optional<Timestamp>& t, LocalClock& clock) {
  if (t) clock.append(out, *t);
}

void number_cell(std::string& out, const std::optional<std::int64_t>& n) {
  if (n) append_csv_number(out, *n);
}

}  // namespace

void append_csv_header(std::string& out, bool japanese) {
  for (std::size_t i = 0; i < kColumns.size(); ++i) {
    if (i != 0) out.push_back(',');
    append_csv_text(out, japanese ? kColumns[i].ja : kColumns[i].en);
  }
  out.append(kCsvRowEnd);
}

void append_csv_row(std::string& out, const HistoryCall& c, LocalClock& clock, bool japanese, const UserName& user_name) {
  auto text = [&](std::string_view v) {
    append_csv_text(out, v);
    out.push_back(',');
  };
  text(c.sid);
  text(direction_text(c.direction, japanese));
  text(c.outcome ? outcome_text(*c.outcome, japanese) : std::string_view());
  text(c.from);
  text(c.to);
  text(c.our_number());
  text(c.user_id);
  text(c.user_id.empty() || !user_name ? std::string_view() : user_name(c.user_id));
  text(c.group_id);
  text(c.flow_id);
  clock.append(out, c.started_at);
  out.push_back(',');
  time_cell(out, c.connected_at, clock);
  out.push_back(',');
  time_cell(out, c.ended_at, clock);
  out.push_back(',');
  append_csv_number(out, c.queue_wait_s);
  out.push_back(',');
  number_cell(out, c.talk_s);
  out.push_back(',');
  number_cell(out, c.duration_s);
  out.push_back(',');
  append_csv_number(out, c.charge_micro);
  out.push_back(',');
  text(c.status);
  text(c.disposition);
  text(c.recording_url);
  append_csv_text(out, c.voicemail_url);
  out.append(kCsvRowEnd);
}

std::string csv_filename(const CallFilter& f, LocalClock& clock, Timestamp now) {
  const std::string first = f.since ? clock.date_of(*f.since) : "start";
  const std::string last = clock.date_of(f.until ? *f.until - std::chrono::microseconds(1) : now);
  return "calls-" + first + "_" + last + ".csv";
}

}  // namespace callrouter::history
