#include "acd/agent_pool.hpp"

#include <algorithm>
#include <stdexcept>

namespace callrouter::acd {

AgentPool::AgentPool(AgentPoolOptions options) : options_(options), rng_(options.seed) {}

AgentState* AgentPool::live(AgentId agent) {
  const auto i = index_of(agent);
  if (i >= agents_.size() || agents_[i].removed) return nullptr;
  return &agents_[i];
}

const AgentState& AgentPool::agent(AgentId agent) const { return agents_.at(index_of(agent)); }
const RingGroup& AgentPool::group(GroupId group) const { return groups_.at(index_of(group)); }

Timestamp AgentPool::advance(Timestamp now) {
  if (now + kClockStepBack < last_now_) rebase(now - last_now_);
  if (now > last_now_) last_now_ = now;
  wrap_ups_.drain(last_now_, [this](AgentId id, Timestamp at) {
    const AgentState& a = agents_[index_of(id)];
    // Stale when the agent took another call since this deadline was set.
    if (a.removed || a.activity != Activity::wrap_up || a.wrap_up_until != at) return;
    change(id, [](AgentState& s) { s.activity = Activity::idle; });
  });
  return last_now_;
}

// Clamping alone would stop the pool's time at the latest `now` until the clock caught up again:
// a wrap-up begun before the clock was set back three days would last three days. Moving every
// time by the same step keeps each remaining wrap-up and the longest-idle order; the agents are
// re-keyed in the group indexes, which hold idle times. O(agents), once per clock step.
void AgentPool::rebase(std::chrono::microseconds by) {
  for (std::uint32_t i = 0; i < agents_.size(); ++i) {
    change(AgentId{i}, [by](AgentState& s) {
      s.idle_since += by;
      s.wrap_up_until += by;
    });
  }
  wrap_ups_.shift(by);
  last_now_ += by;
}

void AgentPool::index(AgentId id) {
  const AgentState& a = agents_[index_of(id)];
  for (const auto& m : a.groups) groups_[index_of(m.group)].index(m.slot, a);
}

void AgentPool::unindex(AgentId id) {
  for (const auto& m : agents_[index_of(id)].groups) groups_[index_of(m.group)].unindex(m.slot);
}

// Every state change goes through here: the agent leaves the indexes under its old keys and comes
// back under its new ones, so no index ever holds a stale key or an ineligible agent.
template <class Change>
void AgentPool::change(AgentId id, Change&& change) {
  AgentState& a = agents_[index_of(id)];
  if (indexable(a)) unindex(id);
  change(a);
  if (indexable(a)) index(id);
}

// --- Configuration ---

AgentId AgentPool::add_agent(std::string_view user_id, Timestamp now) {
  if (auto it = agent_ids_.find(user_id); it != agent_ids_.end()) return it->second;
  now = advance(now);
  const AgentId id{static_cast<std::uint32_t>(agents_.size())};
  AgentState& a = agents_.emplace_back();
  a.user_id = std::string(user_id);
  a.idle_since = now;
  agent_ids_.emplace(a.user_id, id);
  return id;
}

bool AgentPool::remove_agent(AgentId id) {
  AgentState* a = live(id);
  if (a == nullptr) return false;
  if (indexable(*a)) unindex(id);
  const auto memberships = std::move(a->groups);
  a->groups.clear();
  a->removed = true;
  agent_ids_.erase(a->user_id);
  for (const auto& m : memberships) {
    RingGroup& g = groups_[index_of(m.group)];
    g.vacate(m.slot);
    if (g.wants_compaction()) compact(m.group);
  }
  return true;
}

std::optional<AgentId> AgentPool::find_agent(std::string_view user_id) const {
  auto it = agent_ids_.find(user_id);
  if (it == agent_ids_.end()) return std::nullopt;
  return it->second;
}

GroupId AgentPool::add_group(std::string_view group_id, std::span<const AgentId> members, int wrap_up_s) {
  GroupId id;
  if (auto it = group_ids_.find(group_id); it != group_ids_.end()) {
    id = it->second;
    RingGroup& g = groups_[index_of(id)];
    for (AgentId member : g.slots()) {
      if (member == kNoAgent) continue;
      auto& ms = agents_[index_of(member)].groups;
      std::erase_if(ms, [&](const Membership& m) { return m.group == id; });
    }
    g.clear();
    g.set_wrap_up_s(std::max(0, wrap_up_s));
  } else {
    id = GroupId{static_cast<std::uint32_t>(groups_.size())};
    groups_.emplace_back(std::string(group_id), std::max(0, wrap_up_s));
    group_ids_.emplace(std::string(group_id), id);
  }
  for (AgentId member : members) attach(id, member);
  return id;
}

std::optional<GroupId> AgentPool::find_group(std::string_view group_id) const {
  auto it = group_ids_.find(group_id);
  if (it == group_ids_.end()) return std::nullopt;
  return it->second;
}

bool AgentPool::attach(GroupId group, AgentId id) {
  AgentState* a = live(id);
  if (a == nullptr) return false;
  for (const auto& m : a->groups) {
    if (m.group == group) return false;
  }
  RingGroup& g = groups_[index_of(group)];
  const std::uint32_t slot = g.append(id);
  a->groups.push_back({group, slot});
  if (indexable(*a)) g.index(slot, *a);
  return true;
}

bool AgentPool::add_member(GroupId group, AgentId agent) {
  if (index_of(group) >= groups_.size()) return false;
  return attach(group, agent);
}

bool AgentPool::remove_member(GroupId group, AgentId id) {
  AgentState* a = live(id);
  if (a == nullptr || index_of(group) >= groups_.size()) return false;
  auto it = std::find_if(a->groups.begin(), a->groups.end(), [&](const Membership& m) { return m.group == group; });
  if (it == a->groups.end()) return false;
  RingGroup& g = groups_[index_of(group)];
  g.unindex(it->slot);
  g.vacate(it->slot);
  a->groups.erase(it);
  if (g.wants_compaction()) compact(group);
  return true;
}

// Drops the holes left by removed members. Slots move, so memberships and indexes are rebuilt;
// round-robin continues after the last member at or before where it stopped.
void AgentPool::compact(GroupId group) {
  RingGroup& g = groups_[index_of(group)];
  const std::vector<AgentId> old(g.slots().begin(), g.slots().end());
  const std::uint32_t old_cursor = g.round_robin_cursor();
  std::uint32_t cursor = kNoSlot;
  g.clear();
  for (std::uint32_t slot = 0; slot < old.size(); ++slot) {
    const AgentId id = old[slot];
    if (id == kNoAgent) continue;
    const std::uint32_t moved = g.append(id);
    if (old_cursor != kNoSlot && slot <= old_cursor) cursor = moved;
    AgentState& a = agents_[index_of(id)];
    for (auto& m : a.groups) {
      if (m.group == group) m.slot = moved;
    }
    if (indexable(a)) g.index(moved, a);
  }
  g.set_round_robin_cursor(cursor);
}

// --- Presence and call events ---

bool AgentPool::set_presence(AgentId id, Presence presence, Timestamp now) {
  if (!agent_settable(presence)) {
    throw std::invalid_argument("set_presence: on_call and wrap_up are set by the engine, not the agent");
  }
  now = advance(now);
  AgentState* a = live(id);
  if (a == nullptr) return false;
  if (a->status == presence) return true;
  change(id, [&](AgentState& s) {
    s.status = presence;
    if (presence == Presence::available) {
      s.queue_seq = ++queue_seq_;  // joins the back of the sequential queue
      s.idle_since = now;
      s.missed_in_row = 0;
    }
  });
  return true;
}

bool AgentPool::offered(AgentId id, Timestamp now) {
  advance(now);
  AgentState* a = live(id);
  if (a == nullptr || !indexable(*a)) return false;  // never two offers (or an offer during a call) at once
  change(id, [](AgentState& s) { s.activity = Activity::ringing; });
  return true;
}

bool AgentPool::answered(AgentId id, Timestamp now) {
  advance(now);
  AgentState* a = live(id);
  if (a == nullptr || a->activity == Activity::talking) return false;
  change(id, [&](AgentState& s) {
    s.activity = Activity::talking;
    ++s.calls_answered;
    s.missed_in_row = 0;
    s.queue_seq = ++queue_seq_;  // the answerer goes to the back of the sequential queue
  });
  return true;
}

bool AgentPool::declined_or_missed(AgentId id, Timestamp now) {
  advance(now);
  AgentState* a = live(id);
  if (a == nullptr || a->activity != Activity::ringing) return false;
  change(id, [&](AgentState& s) {
    s.activity = Activity::idle;
    if (s.missed_in_row < UINT16_MAX) ++s.missed_in_row;
    // Only an available agent is set away: one who already chose away or offline keeps that.
    if (options_.max_missed_in_row > 0 && s.missed_in_row >= options_.max_missed_in_row &&
        s.status == Presence::available) {
      s.status = Presence::away;
    }
  });
  return true;
}

bool AgentPool::offer_cancelled(AgentId id, Timestamp now) {
  advance(now);
  AgentState* a = live(id);
  if (a == nullptr || a->activity != Activity::ringing) return false;
  change(id, [](AgentState& s) { s.activity = Activity::idle; });
  return true;
}

bool AgentPool::call_ended(AgentId id, GroupId group, Timestamp now, std::int64_t talk_s) {
  now = advance(now);
  AgentState* a = live(id);
  if (a == nullptr || a->activity != Activity::talking) return false;
  const int wrap_up_s = index_of(group) < groups_.size() ? groups_[index_of(group)].wrap_up_s() : 0;
  change(id, [&](AgentState& s) {
    s.talk_s += std::max<std::int64_t>(0, talk_s);
    s.idle_since = now;
    if (wrap_up_s > 0) {
      s.activity = Activity::wrap_up;
      s.wrap_up_until = now + std::chrono::seconds(wrap_up_s);
    } else {
      s.activity = Activity::idle;
    }
  });
  if (wrap_up_s > 0) wrap_ups_.push(a->wrap_up_until, id);
  return true;
}

bool AgentPool::wrap_up_over(AgentId id, std::uint32_t answered, Timestamp now) {
  advance(now);
  AgentState* a = live(id);
  // calls_answered names the wrap-up: a later one needs a later answer.
  if (a == nullptr || a->activity != Activity::wrap_up || a->calls_answered != answered) return false;
  change(id, [](AgentState& s) { s.activity = Activity::idle; });
  return true;
}

// --- Selection ---

std::size_t AgentPool::select(GroupId group, RingStrategy strategy, Timestamp now, std::span<AgentId> out,
                              std::span<const AgentId> skip) {
  advance(now);
  if (index_of(group) >= groups_.size() || out.empty()) return 0;
  skip_slots_.clear();
  for (AgentId id : skip) {
    const AgentState* a = live(id);
    if (a == nullptr) continue;
    for (const auto& m : a->groups) {
      if (m.group == group) skip_slots_.push_back(m.slot);
    }
  }
  if (skip_slots_.size() > 1) {
    std::sort(skip_slots_.begin(), skip_slots_.end());
    skip_slots_.erase(std::unique(skip_slots_.begin(), skip_slots_.end()), skip_slots_.end());
  }
  return groups_[index_of(group)].select(strategy, out, skip_slots_, rng_, scratch_);
}

std::vector<AgentId> AgentPool::ranked(GroupId group, RingStrategy strategy, Timestamp now) {
  advance(now);
  if (index_of(group) >= groups_.size()) return {};
  return groups_[index_of(group)].ranked(strategy);
}

// --- Reading ---

Presence AgentPool::presence(AgentId id, Timestamp now) const {
  if (index_of(id) >= agents_.size()) return Presence::offline;
  return presence_at(agents_[index_of(id)], std::max(now, last_now_));
}

bool AgentPool::eligible(AgentId id, Timestamp now) const { return presence(id, now) == Presence::available; }

std::size_t AgentPool::memory_bytes() const {
  // Hash map nodes: next pointer, cached hash, key and value, plus one bucket pointer each.
  constexpr std::size_t kNode = sizeof(void*) + sizeof(std::size_t) + sizeof(std::string) + sizeof(std::uint32_t) +
                                sizeof(void*);
  std::size_t bytes = sizeof(*this) + agents_.capacity() * sizeof(AgentState) + groups_.capacity() * sizeof(RingGroup);
  for (const auto& a : agents_) {
    bytes += a.groups.capacity() * sizeof(Membership);
    if (a.user_id.capacity() > 15) bytes += a.user_id.capacity() + 1;
  }
  for (const auto& g : groups_) bytes += g.memory_bytes() - sizeof(RingGroup);
  bytes += (agent_ids_.size() + group_ids_.size()) * kNode;
  return bytes + wrap_ups_.memory_bytes() + (skip_slots_.capacity() + scratch_.positions.capacity()) * sizeof(std::uint32_t) +
         scratch_.frontier.capacity() * sizeof(std::uint32_t);
}

std::string AgentPool::audit() const {
  const std::span<const AgentState> agents(agents_);
  for (std::uint32_t gi = 0; gi < groups_.size(); ++gi) {
    const RingGroup& g = groups_[gi];
    if (auto error = g.audit(agents); !error.empty()) return error;
    for (std::uint32_t slot = 0; slot < g.slots().size(); ++slot) {
      const AgentId id = g.slots()[slot];
      if (id == kNoAgent) continue;
      const auto& ms = agents_[index_of(id)].groups;
      if (std::count_if(ms.begin(), ms.end(), [&](const Membership& m) {
            return index_of(m.group) == gi && m.slot == slot;
          }) != 1) {
        return g.id() + ": member " + agents_[index_of(id)].user_id + " lacks its membership";
      }
    }
  }
  for (std::uint32_t ai = 0; ai < agents_.size(); ++ai) {
    const AgentState& a = agents_[ai];
    if (a.removed && !a.groups.empty()) return a.user_id + ": removed but still a member";
    for (const auto& m : a.groups) {
      const RingGroup& g = groups_[index_of(m.group)];
      if (m.slot >= g.slots().size() || g.slots()[m.slot] != AgentId{ai}) {
        return a.user_id + ": membership points at another member";
      }
    }
  }
  return {};
}

}  // namespace callrouter::acd
