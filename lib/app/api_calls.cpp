// GET /v1/calls (the call log, a page at a time, newest first) and GET /v1/calls.csv (the whole
// filtered log as a streamed download). Both read the history records that derive_history writes
// with each committed call event; an agent key sees only the calls it took or made.
#include <fmt/format.h>

#include <memory>

#include "app/api_support.hpp"
#include "app/app.hpp"
#include "history/call_csv.hpp"
#include "history/call_filter.hpp"
#include "history/csv_field.hpp"
#include "provider/twilio/form.hpp"
#include "store/answer_records.hpp"
#include "store/history_records.hpp"

namespace callrouter::app {

using server::json_error;
using server::Reply;

namespace {

// Rows (or index entries) one page may examine: a filter that matches little in a long history
// answers a short page with a cursor instead of stalling the loop (docs/api.md).
constexpr std::size_t kPageBudget = 1000;
// Rows examined per streamed CSV piece: small enough that webhooks wait at most about a
// millisecond behind an export, large enough that a piece is tens of KiB.
constexpr std::size_t kExportPieceBudget = 256;

Expected<std::vector<history::QueryParam>> query_params(std::string_view query) {
  auto form = twilio::parse_form(query);
  if (!form) return unexpected(fmt::format("query: {}", form.error()));
  std::vector<history::QueryParam> params;
  for (auto& p : form->params) params.emplace_back(std::move(p.name), std::move(p.value));
  return params;
}

// The index that narrows the scan most for this filter (every row is still checked against all).
store::HistoryRange range_for(std::string_view org_id, const history::CallFilter& f) {
  store::HistoryRange range;
  range.org_id = std::string(org_id);
  range.since = f.since;
  range.until = f.until;
  if (!f.user.empty()) {
    range.index.emplace(store::HistoryDimension::user, f.user);
  } else if (!f.group.empty()) {
    range.index.emplace(store::HistoryDimension::group, f.group);
  } else if (!f.number.empty()) {
    range.index.emplace(store::HistoryDimension::number, f.number);
  } else if (!f.flow.empty()) {
    range.index.emplace(store::HistoryDimension::flow, f.flow);
  } else if (f.outcome) {
    range.index.emplace(store::HistoryDimension::outcome, std::string(history::outcome_name(*f.outcome)));
  }
  return range;
}

// The query of either route, parsed, narrowed to what the key may see and to the retention period.
Expected<history::HistoryQuery, server::HttpResponse> history_query(const engine::Directory& directory,
                                                                     std::optional<Timestamp> cutoff,
                                                                     std::string_view query, bool csv,
                                                                     const Principal& who) {
  if (who.role == auth::Role::system) return unexpected(json_error(403, "forbidden", "use an org key to read calls"));
  auto params = query_params(query);
  if (!params) return unexpected(json_error(400, "invalid_request", params.error()));
  const auto* org = directory.org(who.org_id);
  auto parsed = history::parse_history_query(*params, csv ? history::QueryKind::csv : history::QueryKind::page,
                                             org != nullptr ? std::string_view(org->timezone) : "UTC");
  if (!parsed) return unexpected(json_error(400, "invalid_request", parsed.error()));
  auto& f = parsed->filter;
  if (who.role == auth::Role::agent) {
    // An agent's log is the calls the agent took or made.
    if (!f.user.empty() && f.user != who.user_id) {
      return unexpected(json_error(403, "forbidden", "query 'user': an agent key reads only its own calls"));
    }
    f.user = who.user_id;
  }
  // Calls older than the retention period are gone, even before compaction removes their bytes.
  if (cutoff && (!f.since || *f.since < *cutoff)) f.since = cutoff;
  return std::move(*parsed);
}

}  // namespace

std::optional<Timestamp> App::retention_cutoff() const {
  if (config_.history_retention_days <= 0) return std::nullopt;
  return clock_() - std::chrono::days(config_.history_retention_days);
}

void App::follow_clock() {
  journal_.set_retention_cutoff(retention_cutoff());
  journal_.set_answer_cutoff(clock_() - store::kAnswerKeep);
}

void App::list_calls(std::string_view query, const Principal& who, Reply reply) {
  follow_clock();  // compactions follow the clock
  auto q = history_query(directory_, retention_cutoff(), query, false, who);
  if (!q) return reply(q.error());
  auto range = range_for(who.org_id, q->filter);
  range.after = q->cursor;
  std::string body = R"({"calls":[)";
  std::size_t listed = 0;
  std::optional<history::HistoryPosition> last_listed;
  auto end = store::scan_history(journal_, range, kPageBudget, [&](const store::StoredHistoryRow& row) {
    auto call = history::read_history_call(row.data, row.facts);
    if (!call || !history::matches(q->filter, *call)) return true;
    JsonWriter w;
    w.begin_object();
    history::write_history_call(w, *call);
    w.end_object();
    if (listed != 0) body.push_back(',');
    body.append(w.str());
    last_listed = row.at;
    return ++listed < q->limit;
  });
  // Full page: continue after its last call. Budget spent: after the last call examined, even
  // if the page is short (or empty). Otherwise the range is exhausted.
  std::optional<history::HistoryPosition> next;
  if (listed == q->limit) {
    next = last_listed;
  } else if (!end.reached_end) {
    next = end.last_examined;
  }
  body.append(R"(],"next_cursor":)");
  if (next) {
    append_json_string(body, history::encode_cursor(*next));
  } else {
    body.append("null");
  }
  body.push_back('}');
  reply(json_answer(200, std::move(body)));
}

void App::export_calls(std::string_view query, const Principal& who, Reply reply) {
  follow_clock();
  auto q = history_query(directory_, retention_cutoff(), query, true, who);
  if (!q) return reply(q.error());
  auto clock = history::LocalClock::in_zone(q->tz);
  if (!clock) return reply(json_error(400, "invalid_request", "query 'tz': unknown time zone"));
  struct Export {
    history::HistoryQuery query;
    store::HistoryRange range;
    history::LocalClock clock;
    bool header_sent = false;
  };
  auto state = std::make_shared<Export>(Export{std::move(*q), {}, *clock});
  state->range = range_for(who.org_id, state->query.filter);
  server::HttpResponse r;
  r.content_type = "text/csv; charset=utf-8";
  r.headers.emplace_back("Content-Disposition",
                         fmt::format("attachment; filename=\"{}\"",
                                     history::csv_filename(state->query.filter, state->clock, clock_())));
  r.headers.emplace_back("Cache-Control", "no-store");
  const std::string org_id = who.org_id;
  // Each piece resumes the scan after the last row examined: no iterator or snapshot is held while
  // the client reads, and memory is one piece whatever the size of the log.
  r.stream = [this, state, org_id](std::string& out) {
    if (!state->header_sent) {
      out.append(history::kUtf8Bom);
      history::append_csv_header(out, state->query.japanese);
      state->header_sent = true;
    }
    const history::UserName user_name = [this, &org_id](std::string_view id) -> std::string_view {
      const auto* user = directory_.user(org_id, id);
      return user != nullptr ? std::string_view(user->name) : std::string_view();
    };
    auto end = store::scan_history(journal_, state->range, kExportPieceBudget, [&](const store::StoredHistoryRow& row) {
      auto call = history::read_history_call(row.data, row.facts);
      if (call && history::matches(state->query.filter, *call)) {
        history::append_csv_row(out, *call, state->clock, state->query.japanese, user_name);
      }
      return true;
    });
    if (end.reached_end || !end.last_examined) return false;
    state->range.after = end.last_examined;
    return true;
  };
  reply(std::move(r));
}

void App::compact_journal(Reply reply) {
  follow_clock();
  auto started = journal_.start_compaction([reply](Expected<Ok> done) {
    if (!done) return reply(json_error(500, "compaction_failed", done.error()));
    reply(json_answer(200, R"({"compacted":true})"));
  });
  if (!started) return reply(json_error(409, "conflict", "a backup or compaction is running; retry when it is done"));
}

}  // namespace callrouter::app
