#include "store/analytics_records.hpp"

#include <array>
#include <map>

#include "analytics/time_slots.hpp"
#include "store/big_endian.hpp"
#include "store/history_records.hpp"
#include "store/merge_values.hpp"

namespace callrouter::store {
namespace {

using analytics::CallCounters;

std::string dimension_prefix(std::string_view org_id, AnalyticsDimension dim) {
  std::string p(org_id);
  p.push_back('\0');
  p.push_back(static_cast<char>(dim));
  p.push_back('\0');
  return p;
}

constexpr std::array<AnalyticsDimension, 5> kDimensions{AnalyticsDimension::total, AnalyticsDimension::user,
                                                        AnalyticsDimension::group, AnalyticsDimension::number,
                                                        AnalyticsDimension::flow};

}  // namespace

bool merges_values(Cf cf) { return cf == Cf::analytics; }

std::optional<std::string> merge_values(Cf cf, std::string_view existing, std::string_view operand) {
  if (cf != Cf::analytics) return std::nullopt;
  return analytics::merge_stored_counters(existing, operand);
}

std::string analytics_key(std::string_view org_id, AnalyticsDimension dim, std::int64_t slot_s, std::string_view value) {
  std::string key = dimension_prefix(org_id, dim);
  append_be64(key, static_cast<std::uint64_t>(slot_s));
  key.append(value);
  return key;
}

void scan_analytics(const Reader& reader, std::string_view org_id, AnalyticsDimension dim, std::int64_t since_s,
                    std::int64_t until_s,
                    const std::function<void(std::int64_t, std::string_view, const CallCounters&)>& visit) {
  const auto prefix = dimension_prefix(org_id, dim);
  const auto from = analytics_key(org_id, dim, since_s, "");
  reader.scan_prefix(Cf::analytics, prefix, [&](std::string_view key, std::string_view value) {
    if (key.size() < prefix.size() + 8) return true;
    const auto slot = static_cast<std::int64_t>(read_be64(key.substr(prefix.size())));
    if (slot >= until_s) return false;
    if (auto counters = analytics::decode_counters(value)) visit(slot, key.substr(prefix.size() + 8), *counters);
    return true;
  }, from);
}

std::vector<CallCounters> sum_into_buckets(const Reader& reader, std::string_view org_id,
                                           const std::vector<analytics::LocalBucket>& buckets) {
  std::vector<CallCounters> sums(buckets.size());
  if (buckets.empty()) return sums;
  std::size_t at = 0;
  scan_analytics(reader, org_id, AnalyticsDimension::total, analytics::slot_seconds(buckets.front().start),
                 analytics::slot_seconds(buckets.back().end), [&](std::int64_t slot_s, std::string_view, const CallCounters& c) {
                   const auto slot = analytics::slot_at(slot_s);
                   while (at < buckets.size() && buckets[at].end <= slot) ++at;
                   if (at < buckets.size()) sums[at] += c;
                 });
  return sums;
}

std::vector<std::pair<std::string, CallCounters>> sum_by_value(const Reader& reader, std::string_view org_id,
                                                               AnalyticsDimension dim, std::int64_t since_s,
                                                               std::int64_t until_s) {
  std::map<std::string, CallCounters, std::less<>> by_value;
  scan_analytics(reader, org_id, dim, since_s, until_s, [&](std::int64_t, std::string_view value, const CallCounters& c) {
    auto it = by_value.find(value);
    if (it == by_value.end()) it = by_value.emplace(std::string(value), CallCounters{}).first;
    it->second += c;
  });
  return {by_value.begin(), by_value.end()};
}

AnalyticsCounters::View AnalyticsCounters::make_view(std::string_view org_id, const history::HistoryCall& call,
                                                     std::vector<history::TimedFact> facts, std::uint64_t seq) const {
  View v;
  v.seq = seq;
  v.facts = std::move(facts);
  v.placement.slot_s = analytics::slot_seconds(analytics::slot_floor(call.started_at));
  v.placement.user = call.user_id;
  v.placement.group = call.group_id;
  v.placement.number = std::string(call.our_number());
  v.placement.flow = call.flow_id;
  v.over = call.outcome.has_value();
  v.counters = analytics::call_counters(call, call.group_id.empty() ? 0 : wrap_up_(org_id, call.group_id));
  return v;
}

// The call as the journal's call log holds it: every event of it before this one is durable
// (a view is dropped only then, or when its events were refused).
AnalyticsCounters::View AnalyticsCounters::read_view(const events::Event& e, const history::HistoryCall& now) const {
  auto row = read_history_row(reader_, e.org_id, now.started_at, now.sid);
  if (!row) return View{};
  std::vector<history::TimedFact> facts;
  facts.reserve(row->facts.size());
  for (const auto& [seq, fact] : row->facts) facts.push_back(fact);
  auto call = history::read_history_call(row->data, facts);
  if (!call) return View{};
  return make_view(e.org_id, *call, std::move(facts), 0);
}

void AnalyticsCounters::derive(const events::Event& e, WriteSet& out) {
  if (e.call_sid.empty()) return;
  // A seq given out again: the batches that held it and every later one were refused, so the
  // views they left are void (the journal still has what was durable before them).
  auto& last = last_seq_[e.org_id];
  if (e.seq <= last) {
    for (auto it = views_.begin(); it != views_.end();) {
      const bool same_org = it->first.size() > e.org_id.size() && it->first.starts_with(e.org_id) &&
                            it->first[e.org_id.size()] == '\0';
      it = same_org && it->second.seq >= e.seq ? views_.erase(it) : std::next(it);
    }
  }
  last = e.seq;

  std::string key = e.org_id;
  key.push_back('\0');
  key.append(e.call_sid);
  auto found = views_.find(key);
  View before;
  if (found != views_.end()) {
    before = std::move(found->second);
  } else if (e.type != "call.ringing") {  // a call's first event: nothing of it is on record yet
    // Where its row is (the start and sid) is in the event's data; its facts are in the journal.
    auto bare = history::read_history_call(e.data, {});
    if (!bare) return;
    before = read_view(e, *bare);
  }
  auto facts = before.facts;
  if (auto fact = history::fact_of_event(e.type)) facts.push_back({*fact, e.at});
  auto call = history::read_history_call(e.data, facts);
  if (!call) return;
  View after = make_view(e.org_id, *call, std::move(facts), e.seq);

  auto value_of = [](const Placement& p, AnalyticsDimension dim) -> std::string_view {
    switch (dim) {
      case AnalyticsDimension::total: return "";
      case AnalyticsDimension::user: return p.user;
      case AnalyticsDimension::group: return p.group;
      case AnalyticsDimension::number: return p.number;
      case AnalyticsDimension::flow: return p.flow;
    }
    return "";
  };
  auto merge = [&](std::string k, const CallCounters& c) {
    if (!c.empty()) out.push_back({Cf::analytics, std::move(k), analytics::encode_counters(c), false, true});
  };
  for (auto dim : kDimensions) {
    const auto was = value_of(before.placement, dim);
    const auto is = value_of(after.placement, dim);
    const bool had = !before.counters.empty() && (dim == AnalyticsDimension::total || !was.empty());
    const bool has = dim == AnalyticsDimension::total || !is.empty();
    if (had && has && before.placement.slot_s == after.placement.slot_s && was == is) {
      merge(analytics_key(e.org_id, dim, after.placement.slot_s, is), analytics::counters_delta(before.counters, after.counters));
      continue;
    }
    if (had) merge(analytics_key(e.org_id, dim, before.placement.slot_s, was), analytics::counters_removal(before.counters));
    if (has) merge(analytics_key(e.org_id, dim, after.placement.slot_s, is), after.counters);
  }
  if (found != views_.end()) {
    found->second = std::move(after);
  } else {
    views_.emplace(std::move(key), std::move(after));
  }
}

void AnalyticsCounters::committed(const events::Event& e) {
  if (views_.empty()) return;
  std::string key = e.org_id;
  key.push_back('\0');
  key.append(e.call_sid);
  auto it = views_.find(key);
  // Its last event is durable and it has ended: the journal holds all of it from now on.
  if (it != views_.end() && it->second.seq == e.seq && it->second.over) views_.erase(it);
}

}  // namespace callrouter::store
