// One agent's plain state inside an AgentPool: what the agent chose, what the engine is doing with
// it, and the counters the strategies order by. Presence and eligibility are pure functions of it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "acd/ids.hpp"
#include "acd/presence.hpp"
#include "common/time.hpp"

namespace callrouter::acd {

// What the engine is doing with the agent, independent of the agent's own choice.
enum class Activity : std::uint8_t { idle, ringing, talking, wrap_up };

struct Membership {
  GroupId group = kNoGroup;
  std::uint32_t slot = 0;  // position in the group's member order
};

struct AgentState {
  std::string user_id;
  Presence status = Presence::offline;  // the agent's choice: available, away or offline (auto-away: away)
  Activity activity = Activity::idle;
  bool removed = false;
  std::uint16_t missed_in_row = 0;   // unanswered offers since the last answer or manual "available"
  std::uint32_t calls_answered = 0;  // lifetime of the pool, every group
  std::int64_t talk_s = 0;           // total talk time, every group
  std::uint64_t queue_seq = 0;       // sequential's FIFO position: bumped on becoming available and on answering
  Timestamp idle_since{};            // when the last call ended or the agent became available, whichever is later
  Timestamp wrap_up_until{};         // meaningful while activity == wrap_up
  std::vector<Membership> groups;
};

// on_call while ringing or talking; else the agent's choice if not "available"; else wrap_up until
// it lapses at `now`; else available. Removed agents are offline.
Presence presence_at(const AgentState& agent, Timestamp now);

// May be offered a call at `now`: presence_at(...) == available (which rules out a pending offer).
inline bool eligible_at(const AgentState& agent, Timestamp now) {
  return presence_at(agent, now) == Presence::available;
}

}  // namespace callrouter::acd
