// GET /v1/analytics (figures over a range, by hour or day in a zone, or by user, group, number or
// flow) and GET /v1/analytics/live (agents by state, callers waiting, today's figures). The
// figures are the counters AnalyticsCounters merges into the journal with each committed event,
// read per 15-minute slot; no call is scanned per query.
#include <fmt/format.h>

#include <map>

#include "analytics/report.hpp"
#include "analytics/time_slots.hpp"
#include "app/api_support.hpp"
#include "app/app.hpp"
#include "history/local_time.hpp"
#include "provider/twilio/form.hpp"
#include "store/history_records.hpp"

namespace callrouter::app {

using server::json_error;
using server::Reply;

namespace {

store::AnalyticsDimension dimension_of(analytics::By by) {
  switch (by) {
    case analytics::By::user: return store::AnalyticsDimension::user;
    case analytics::By::group: return store::AnalyticsDimension::group;
    case analytics::By::number: return store::AnalyticsDimension::number;
    case analytics::By::flow: return store::AnalyticsDimension::flow;
    default: return store::AnalyticsDimension::total;
  }
}

analytics::CallCounters total(const store::Reader& reader, std::string_view org_id, Timestamp since, Timestamp until) {
  analytics::CallCounters sum;
  store::scan_analytics(reader, org_id, store::AnalyticsDimension::total, analytics::slot_seconds(since),
                        analytics::slot_seconds(until),
                        [&](std::int64_t, std::string_view, const analytics::CallCounters& c) { sum += c; });
  return sum;
}

}  // namespace

void App::wire_analytics() {
  analytics_ = std::make_unique<store::AnalyticsCounters>(journal_, [this](std::string_view org, std::string_view group) {
    const auto* g = directory_.group(org, group);
    return g == nullptr ? std::int64_t{0} : std::int64_t{g->wrap_up_s};
  });
  // In the event's batch: the figures it changes (merged, so exactly once with the event).
  commit_.add_derived([this](const events::Event& e, store::WriteSet& out) { analytics_->derive(e, out); });
  events_.subscribe([this](const events::Event& e) {
    analytics_->committed(e);
    waiting_.on(e);
    live_event(e);
  });
}

void App::seed_waiting_calls(const std::vector<engine::CallRecord>& live_calls) {
  for (const auto& call : live_calls) {
    auto row = store::read_history_row(journal_, call.org_id, call.started_at, call.sid);
    if (!row) continue;
    // Still queued: the last queue fact is a join (its queue is in the row's data, which is that
    // event's when nothing came after it).
    std::optional<Timestamp> joined;
    for (const auto& [seq, f] : row->facts) {
      if (f.kind == history::CallFact::queue_joined) joined = f.at;
      if (f.kind == history::CallFact::queue_left || f.kind == history::CallFact::queue_abandoned) joined.reset();
    }
    if (!joined) continue;
    events::Event e{call.org_id, 0, "queue.joined", *joined, call.sid, row->data};
    waiting_.on(e);
  }
}

void App::get_analytics(std::string_view query, const Principal& who, Reply reply) {
  auto form = twilio::parse_form(query);
  if (!form) return reply(json_error(400, "invalid_request", fmt::format("query: {}", form.error())));
  std::vector<analytics::QueryParam> params;
  for (auto& p : form->params) params.emplace_back(std::move(p.name), std::move(p.value));
  const auto* org = directory_.org(who.org_id);
  auto q = analytics::parse_analytics_query(params, org != nullptr ? std::string_view(org->timezone) : "UTC", clock_());
  if (!q) return reply(json_error(400, "invalid_request", q.error()));

  JsonWriter w;
  w.begin_object();
  w.field("since", format_rfc3339(q->since)).field("until", format_rfc3339(q->until));
  w.field("by", analytics::by_name(q->by)).field("tz", q->tz);
  w.key("rows").begin_array();
  if (q->by == analytics::By::hour || q->by == analytics::By::day) {
    auto buckets = analytics::local_buckets(q->tz, q->by == analytics::By::hour ? analytics::Period::hour : analytics::Period::day,
                                            q->since, q->until);
    if (!buckets) buckets.emplace();  // the query's zone was checked: not reached
    const auto sums = store::sum_into_buckets(journal_, who.org_id, *buckets);
    for (std::size_t i = 0; i < buckets->size(); ++i) {
      const auto& bucket = (*buckets)[i];
      const auto& c = sums[i];
      w.begin_object().key("key").begin_object();
      w.field(analytics::by_name(q->by), bucket.label);
      w.field("start", format_rfc3339(bucket.start)).field("end", format_rfc3339(bucket.end));
      w.end_object();
      analytics::write_figures(w, c, q->thresholds);
      w.end_object();
    }
  } else {
    const auto by_value = store::sum_by_value(journal_, who.org_id, dimension_of(q->by), analytics::slot_seconds(q->since),
                                              analytics::slot_seconds(q->until));
    for (const auto& [value, c] : by_value) {
      w.begin_object().key("key").begin_object().field(analytics::by_name(q->by), value).end_object();
      analytics::write_figures(w, c, q->thresholds);
      w.end_object();
    }
  }
  w.end_array();
  w.end_object();
  reply(json_answer(200, w.take()));
}

void App::get_analytics_live(const Principal& who, Reply reply) { reply(json_answer(200, live_board(who.org_id, clock_(), true))); }

std::string App::live_board(const std::string& org_id, Timestamp now, bool with_clock) {
  const auto* org = directory_.org(org_id);
  const std::string tz = org != nullptr && history::LocalClock::in_zone(org->timezone) ? org->timezone : "UTC";
  auto clock = history::LocalClock::in_zone(tz);

  JsonWriter w;
  w.begin_object();
  if (with_clock) w.field("at", format_rfc3339(now));
  w.field("tz", tz);
  // Agents: the engine's view of each (ringing and on a call are the engine's, the rest the agent's).
  std::map<std::string, std::vector<std::string>> by_state;
  for (auto s : {"available", "ringing", "on_call", "wrap_up", "away", "offline"}) by_state[s];
  auto& pool = engine_.pool(org_id);
  directory_.for_each_user(org_id, [&](const engine::TelephonyUser& user) {
    std::string state = "offline";
    if (auto id = pool.find_agent(user.id)) {
      const auto& a = pool.agent(*id);
      if (a.removed) {
        state = "offline";
      } else if (a.activity == acd::Activity::ringing) {
        state = "ringing";
      } else {
        state = std::string(acd::presence_name(pool.presence(*id, now)));
      }
    } else {
      state = user.presence.empty() ? "offline" : user.presence;
    }
    by_state[state].push_back(user.id);
  });
  w.key("agents").begin_object();
  for (const auto& [state, users] : by_state) {
    w.key(state).begin_object().field("count", static_cast<std::int64_t>(users.size()));
    w.key("users").begin_array();
    for (const auto& u : users) w.value(u);
    w.end_array().end_object();
  }
  w.end_object();
  w.key("queues").begin_array();
  for (const auto& [queue, q] : waiting_.queues(org_id)) {
    w.begin_object().field("queue", queue).field("waiting", static_cast<std::int64_t>(q.waiting));
    w.field("oldest_since", format_rfc3339(q.oldest_since));
    if (with_clock) w.field("oldest_wait_s", std::chrono::duration_cast<std::chrono::seconds>(now - q.oldest_since).count());
    w.end_object();
  }
  w.end_array();
  // Today: from midnight on the org's wall clock to now (calls counted once they have ended).
  const auto midnight = clock->midnight_of(clock->date_of(now)).value_or(now);
  const auto since = analytics::slot_floor(midnight);
  const auto until = analytics::slot_ceil(now + std::chrono::microseconds(1));
  w.key("today").begin_object();
  w.field("since", format_rfc3339(since)).field("until", format_rfc3339(until));
  const std::array<std::int64_t, 1> sl{analytics::kDefaultServiceLevelS};
  analytics::write_figures(w, total(journal_, org_id, since, until), sl);
  w.end_object();
  w.end_object();
  return w.take();
}

}  // namespace callrouter::app
