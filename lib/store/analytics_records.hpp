// The analytics counters: per org, dimension (the org's total, a user, group, number or flow) and
// 15-minute UTC slot of the calls' start, the figures of the calls that started in it. Written by
// AnalyticsCounters::derive in the batch of each committed event as a merge of that event's
// delta, so the stored figures are exactly the durable events, once each, across kill -9.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analytics/call_figures.hpp"
#include "analytics/time_slots.hpp"
#include "events/event.hpp"
#include "history/history_call.hpp"
#include "store/reader.hpp"
#include "store/write_set.hpp"

namespace callrouter::store {

enum class AnalyticsDimension : char { total = 't', user = 'u', group = 'g', number = 'n', flow = 'f' };

// org NUL dimension NUL slot (unix seconds, 8 bytes big-endian) value (docs/storage.md).
std::string analytics_key(std::string_view org_id, AnalyticsDimension dim, std::int64_t slot_s, std::string_view value);

// Visits the dimension's entries with slots in [since_s, until_s), in slot then value order.
void scan_analytics(const Reader& reader, std::string_view org_id, AnalyticsDimension dim, std::int64_t since_s,
                    std::int64_t until_s,
                    const std::function<void(std::int64_t slot_s, std::string_view value,
                                             const analytics::CallCounters& counters)>& visit);

// The org's totals summed into `buckets` (in order, slot-aligned, as analytics::local_buckets
// gives them): one per bucket.
std::vector<analytics::CallCounters> sum_into_buckets(const Reader& reader, std::string_view org_id,
                                                      const std::vector<analytics::LocalBucket>& buckets);
// The dimension's figures over [since_s, until_s) per value, in value order.
std::vector<std::pair<std::string, analytics::CallCounters>> sum_by_value(const Reader& reader, std::string_view org_id,
                                                                          AnalyticsDimension dim, std::int64_t since_s,
                                                                          std::int64_t until_s);

// Keeps each call's figures as its last event left them, so that the next event of the call adds
// only the difference (and moves them when its user, group or number changes). A call is read
// from the call log (store::read_history_row) the first time one of its events is seen; after
// that its view stays in memory until its last event is durable and it has ended.
class AnalyticsCounters {
 public:
  // The wrap-up the agents of a ring group are held in after a call (0 for none).
  using WrapUp = std::function<std::int64_t(std::string_view org_id, std::string_view group_id)>;
  AnalyticsCounters(const Reader& reader, WrapUp wrap_up) : reader_(reader), wrap_up_(std::move(wrap_up)) {}

  // runtime::CommitPath::Derive: the merges one committed event makes.
  void derive(const events::Event& event, WriteSet& out);
  // events::EventLog consumer: the event is durable.
  void committed(const events::Event& event);

  std::size_t views() const { return views_.size(); }

 private:
  struct Placement {
    std::int64_t slot_s = 0;
    std::string user, group, number, flow;
  };
  struct View {
    std::uint64_t seq = 0;  // of the call's last event seen
    std::vector<history::TimedFact> facts;
    Placement placement;
    analytics::CallCounters counters;
    bool over = false;  // it has an outcome
  };
  View read_view(const events::Event& event, const history::HistoryCall& now) const;
  View make_view(std::string_view org_id, const history::HistoryCall& call, std::vector<history::TimedFact> facts,
                 std::uint64_t seq) const;

  const Reader& reader_;
  WrapUp wrap_up_;
  std::unordered_map<std::string, View> views_;  // org NUL sid
  std::unordered_map<std::string, std::uint64_t> last_seq_;  // per org: the last seq derived
};

}  // namespace callrouter::store
