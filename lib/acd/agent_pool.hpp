// One organisation's agents and ring groups with the presence state machine and the automatic
// call distribution of docs/routing.md: pure (time is passed in), single-threaded, deterministic.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "acd/agent_state.hpp"
#include "acd/ids.hpp"
#include "acd/presence.hpp"
#include "acd/ring_group.hpp"
#include "acd/split_mix.hpp"
#include "acd/wrap_up_timers.hpp"
#include "common/time.hpp"

namespace callrouter::acd {

// A step back of the wall clock larger than this is the clock being set (by an admin or a stepping
// NTP), not two events' times crossing; smaller steps are clamped to the latest `now` seen.
inline constexpr std::chrono::seconds kClockStepBack{1};

// Twilio rings at most 10 Clients per <Dial>: the engine passes an `out` span of this size.
inline constexpr std::size_t kMaxRingTargets = 10;

struct AgentPoolOptions {
  int max_missed_in_row = 3;           // unanswered offers in a row that set an agent away; 0: never
  std::uint64_t seed = 0x5eed'ca11ULL;  // the `random` strategy's generator
};

// Owned by one engine thread; no call blocks or allocates on the selection path once warm.
// `now` passed to mutating calls should not go backwards: an earlier `now` counts as the latest
// seen, unless it is more than kClockStepBack earlier — then the wall clock was set back, and every
// deadline and idle time moves back with it (a wrap-up keeps the time it had left).
// Calls about an unknown or removed agent change nothing and return false.
class AgentPool {
 public:
  explicit AgentPool(AgentPoolOptions options = {});

  // --- Configuration (admin changes) ---
  // A new agent starts offline. A user already in the pool keeps its id.
  AgentId add_agent(std::string_view user_id, Timestamp now);
  bool remove_agent(AgentId agent);  // leaves every group; its id stays dead
  std::optional<AgentId> find_agent(std::string_view user_id) const;
  // Creates the group, or replaces an existing group's members and wrap-up (round-robin restarts).
  // Members keep the given order (top_down, round_robin); unknown, removed and repeated ids are ignored.
  GroupId add_group(std::string_view group_id, std::span<const AgentId> members, int wrap_up_s);
  std::optional<GroupId> find_group(std::string_view group_id) const;
  bool add_member(GroupId group, AgentId agent);  // appended at the end of the member order
  bool remove_member(GroupId group, AgentId agent);

  // --- Agent-driven presence: available, away or offline (anything else is a programmer error) ---
  bool set_presence(AgentId agent, Presence presence, Timestamp now);

  // --- Engine events ---
  bool offered(AgentId agent, Timestamp now);             // rung for a call; false unless eligible
  bool answered(AgentId agent, Timestamp now);            // from ringing (or idle: an outbound call connected)
  bool declined_or_missed(AgentId agent, Timestamp now);  // counts toward auto-away
  bool offer_cancelled(AgentId agent, Timestamp now);     // someone else answered / caller left: no count
  // `group` gives the wrap-up (kNoGroup: none); talk_s adds to the agent's talk time.
  bool call_ended(AgentId agent, GroupId group, Timestamp now, std::int64_t talk_s);
  // The wrap-up that followed the agent's `answered`-th answer (AgentState::calls_answered when
  // call_ended ran) is over: a timer that measured it says so, so a wall clock set back cannot
  // stretch it. False when the agent is no longer in that wrap-up (it lapsed, or another call came).
  bool wrap_up_over(AgentId agent, std::uint32_t answered, Timestamp now);

  // --- Selection ---
  // Whom to ring in `group` for one call: parallel fills up to out.size() (pass kMaxRingTargets),
  // every other strategy at most one. `skip` holds agents already tried for this call. Returns the
  // count written; 0 only when no member outside `skip` is eligible.
  std::size_t select(GroupId group, RingStrategy strategy, Timestamp now, std::span<AgentId> out,
                     std::span<const AgentId> skip = {});
  // Every eligible member in the strategy's order (random: member order). O(n log n), diagnostics.
  std::vector<AgentId> ranked(GroupId group, RingStrategy strategy, Timestamp now);

  // --- Reading ---
  Presence presence(AgentId agent, Timestamp now) const;  // wrap_up lapses into available by time
  bool eligible(AgentId agent, Timestamp now) const;
  const AgentState& agent(AgentId agent) const;  // std::out_of_range for an id never issued
  const RingGroup& group(GroupId group) const;   // std::out_of_range for an id never issued
  std::size_t agent_count() const { return agents_.size(); }  // ids issued, removed ones included
  std::size_t group_count() const { return groups_.size(); }
  std::size_t memory_bytes() const;  // heap and object bytes held, approximately
  std::string audit() const;         // "" when every index agrees with the agents' state

 private:
  static bool indexable(const AgentState& a) {
    return !a.removed && a.status == Presence::available && a.activity == Activity::idle;
  }
  AgentState* live(AgentId agent);
  Timestamp advance(Timestamp now);  // clamps `now` (or rebases on a clock step), then lets due wrap-ups lapse
  void rebase(std::chrono::microseconds by);  // moves every time in the pool by `by`
  void index(AgentId agent);
  void unindex(AgentId agent);
  template <class Change>
  void change(AgentId agent, Change&& change);
  bool attach(GroupId group, AgentId agent);
  void compact(GroupId group);

  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  template <class V>
  using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

  AgentPoolOptions options_;
  std::vector<AgentState> agents_;
  std::vector<RingGroup> groups_;
  StringMap<AgentId> agent_ids_;
  StringMap<GroupId> group_ids_;
  WrapUpTimers wrap_ups_;
  SplitMix64 rng_;
  Timestamp last_now_{};
  std::uint64_t queue_seq_ = 0;
  std::vector<std::uint32_t> skip_slots_;  // scratch for select
  RingGroup::Scratch scratch_;
};

}  // namespace callrouter::acd
