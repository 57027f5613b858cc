#include "analytics/call_figures.hpp"

#include <algorithm>

namespace callrouter::analytics {
namespace {

constexpr char kCountersVersion = 1;
constexpr std::size_t kMax = static_cast<std::size_t>(Figure::wait_s_max);

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

std::optional<std::uint64_t> get_varint(std::string_view& in) {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    const auto byte = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    v |= std::uint64_t{byte & 0x7fu} << shift;
    if ((byte & 0x80u) == 0) return v;
  }
  return std::nullopt;
}

std::uint64_t zigzag(std::int64_t v) { return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63); }
std::int64_t unzigzag(std::uint64_t u) { return static_cast<std::int64_t>(u >> 1) ^ -static_cast<std::int64_t>(u & 1); }

}  // namespace

std::optional<std::size_t> answered_within_index(std::int64_t threshold_s) {
  auto it = std::find(kAnsweredWithin.begin(), kAnsweredWithin.end(), threshold_s);
  if (it == kAnsweredWithin.end()) return std::nullopt;
  return static_cast<std::size_t>(it - kAnsweredWithin.begin());
}

CallCounters& CallCounters::operator+=(const CallCounters& other) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    values[i] = i == kMax ? std::max(values[i], other.values[i]) : values[i] + other.values[i];
  }
  return *this;
}

CallCounters call_counters(const history::HistoryCall& call, std::int64_t wrap_up_s) {
  using history::Outcome;
  CallCounters c;
  if (!call.outcome) return c;
  const auto outcome = *call.outcome;
  const bool answered = outcome == Outcome::answered;
  if (call.inbound()) {
    c[Figure::offered] = 1;
    c[Figure::answered] = answered;
    c[Figure::missed] = history::counts_as_missed(outcome);
    c[Figure::abandoned] = outcome == Outcome::abandoned;
    c[Figure::voicemail] = outcome == Outcome::voicemail;
    c[Figure::rejected] = outcome == Outcome::rejected;
    c[Figure::failed] = outcome == Outcome::failed;
    if (call.queued) {
      c[Figure::queued] = 1;
      c[Figure::queued_abandoned] = outcome == Outcome::abandoned;
      c[Figure::wait_s_sum] = call.queue_wait_s;
      c[Figure::wait_s_max] = call.queue_wait_s;
      if (answered) {
        c[Figure::queued_answered] = 1;
        c[Figure::answer_wait_s_sum] = call.queue_wait_s;
        for (std::size_t i = 0; i < kAnsweredWithin.size(); ++i) {
          c.values[static_cast<std::size_t>(Figure::answered_within_first) + i] = call.queue_wait_s <= kAnsweredWithin[i];
        }
      }
    }
  } else {
    c[Figure::outbound_placed] = 1;
    c[Figure::outbound_answered] = answered;
  }
  if (call.talk_s) {
    c[Figure::talk_s] = *call.talk_s;
    c[Figure::handled] = 1;
    // An agent of a ring group is held in wrap-up for the group's time after each call they took.
    if (!call.user_id.empty() && !call.group_id.empty()) c[Figure::wrap_up_s] = wrap_up_s;
  }
  return c;
}

CallCounters counters_delta(const CallCounters& before, const CallCounters& after) {
  CallCounters d;
  for (std::size_t i = 0; i < d.values.size(); ++i) d.values[i] = after.values[i] - before.values[i];
  d.values[kMax] = after.values[kMax] > before.values[kMax] ? after.values[kMax] : 0;
  return d;
}

CallCounters counters_removal(const CallCounters& c) {
  CallCounters d;
  for (std::size_t i = 0; i < d.values.size(); ++i) d.values[i] = -c.values[i];
  d.values[kMax] = 0;
  return d;
}

std::string encode_counters(const CallCounters& counters) {
  std::string out;
  out.push_back(kCountersVersion);
  for (std::size_t i = 0; i < counters.values.size(); ++i) {
    if (counters.values[i] == 0) continue;
    put_varint(out, i);
    put_varint(out, zigzag(counters.values[i]));
  }
  return out;
}

std::optional<CallCounters> decode_counters(std::string_view stored) {
  if (stored.empty() || stored[0] != kCountersVersion) return std::nullopt;
  stored.remove_prefix(1);
  CallCounters c;
  while (!stored.empty()) {
    auto index = get_varint(stored);
    if (!index) return std::nullopt;
    auto value = get_varint(stored);
    if (!value) return std::nullopt;
    // A counter this build does not know (written by a newer one) is skipped, not an error.
    if (*index < c.values.size()) c.values[*index] = unzigzag(*value);
  }
  return c;
}

std::optional<std::string> merge_stored_counters(std::string_view a, std::string_view b) {
  auto x = decode_counters(a);
  auto y = decode_counters(b);
  if (!x || !y) return std::nullopt;
  *x += *y;
  return encode_counters(*x);
}

}  // namespace callrouter::analytics
