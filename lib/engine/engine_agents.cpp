// The engine's agent layer: one AgentPool per org kept in step with users, groups and presence,
// the ring selector flows use, and the offers a call makes to agents (offered, answered, missed,
// ended). Agents hear of it through Notices, delivered once the change is durable.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/json_writer.hpp"
#include "engine/engine.hpp"
#include "store/journal.hpp"

namespace callrouter::engine {

acd::AgentPool& Engine::pool(std::string_view org_id) {
  auto it = pools_.find(org_id);
  if (it == pools_.end()) it = pools_.emplace(std::string(org_id), acd::AgentPool{}).first;
  return it->second;
}

void Engine::sync_group(std::string_view org_id, const TelephonyGroup& group) {
  auto& p = pool(org_id);
  std::vector<acd::AgentId> members;
  for (const auto& m : group.members) {
    if (auto a = p.find_agent(m)) members.push_back(*a);
  }
  p.add_group(group.id, members, group.wrap_up_s);
}

void Engine::sync_user(std::string_view org_id, const TelephonyUser& user, Timestamp now) {
  auto& p = pool(org_id);
  auto agent = p.find_agent(user.id);
  if (!agent) agent = p.add_agent(user.id, now);
  if (auto presence = acd::parse_presence(user.presence); presence && acd::agent_settable(*presence)) {
    p.set_presence(*agent, *presence, now);
  }
}

void Engine::remove_agent(std::string_view org_id, std::string_view user_id) {
  auto& p = pool(org_id);
  if (auto agent = p.find_agent(user_id)) p.remove_agent(*agent);
}

void Engine::rebuild_pools(Timestamp now) {
  pools_.clear();
  directory_.for_each_org([&](const Org& org) {
    directory_.for_each_user(org.id, [&](const TelephonyUser& u) { sync_user(org.id, u, now); });
    directory_.for_each_group(org.id, [&](const TelephonyGroup& g) { sync_group(org.id, g); });
  });
}

std::string_view Engine::presence_of(const TelephonyUser& user, Timestamp now) const {
  auto it = pools_.find(user.org_id);
  if (it == pools_.end()) return user.presence;
  auto agent = it->second.find_agent(user.id);
  if (!agent) return user.presence;
  return acd::presence_name(it->second.presence(*agent, now));
}

RingSelector Engine::ring_selector(std::string_view org_id, Timestamp now) {
  return [this, org = std::string(org_id), now](const flow::AssignRequest& request, const CallRecord& call) {
    RingDecision decision;
    auto& p = pool(org);
    std::array<acd::AgentId, acd::kMaxRingTargets> chosen{};
    std::size_t count = 0;
    if (request.group) {
      if (auto group = p.find_group(request.target)) {
        // Each round after the first rings members this call has not rung yet, so a group larger
        // than one <Dial> (10) is worked through; once everyone was tried, rounds start over.
        auto& tried = live(org, call.sid).rung;
        if (request.round == 0) tried.clear();
        count = p.select(*group, request.strategy, now, chosen, tried);
        if (count == 0 && !tried.empty()) {
          tried.clear();
          count = p.select(*group, request.strategy, now, chosen);
        }
        tried.insert(tried.end(), chosen.begin(), chosen.begin() + static_cast<std::ptrdiff_t>(count));
        forget_if_idle(org, call.sid);
      }
    } else if (auto agent = p.find_agent(request.target); agent && p.eligible(*agent, now)) {
      chosen[0] = *agent;
      count = 1;
    }
    for (std::size_t i = 0; i < count; ++i) {
      const auto& state = p.agent(chosen[i]);
      const auto* user = directory_.user(org, state.user_id);
      auto target = user ? dial_target(*user) : std::nullopt;
      if (!target) continue;  // an agent with neither softphone nor phone cannot be rung
      p.offered(chosen[i], now);
      decision.targets.push_back(std::move(*target));
    }
    if (decision.targets.empty() && request.queue != nullptr) {
      auto& waiting = queues_[org];
      decision.queue_full = !waiting.contains(call.sid) &&
                            waiting.size(queue_key(call.flow_id, request.state_id)) >=
                                static_cast<std::size_t>(request.queue->max_callers);
    }
    return decision;
  };
}

void Engine::offer(std::vector<Notice>& to, const CallRecord& call, const flow::CallActions& actions,
                   Timestamp now) {
  const auto wait_s = std::chrono::duration_cast<std::chrono::seconds>(now - call.started_at).count();
  for (const auto& action : actions) {
    const auto* dial = std::get_if<flow::DialAction>(&action);
    if (dial == nullptr) continue;
    for (const auto& target : dial->targets) {
      if (target.user_id.empty()) continue;
      JsonWriter w;
      w.begin_object()
          .field("type", "call.offered")
          .field("call_sid", call.sid)
          .field("from", call.from)
          .field("to", call.to)
          .field("wait_s", static_cast<std::int64_t>(wait_s));
      w.key("flow_path").begin_array();
      for (const auto& s : call.flow_path) w.value(s);
      w.end_array().end_object();
      auto message = w.take();
      auto& offered_to = live(call.org_id, call.sid).offered_to;
      if (std::find(offered_to.begin(), offered_to.end(), target.user_id) == offered_to.end()) {
        offered_to.push_back(target.user_id);
        offers_[store::make_key({call.org_id, target.user_id})].push_back(call.sid);
      }
      offer_messages_[store::make_key({call.org_id, call.sid, target.user_id})] = message;
      to.push_back({call.org_id, target.user_id, std::move(message)});
    }
  }
}

std::vector<std::string> Engine::withdraw_offers(std::string_view org_id, std::string_view call_sid) {
  std::vector<std::string> users;
  auto* l = find_live(org_id, call_sid);
  if (l == nullptr) return users;
  users = std::move(l->offered_to);
  l->offered_to.clear();
  for (const auto& u : users) {
    offer_messages_.erase(store::make_key({org_id, call_sid, u}));
    auto it = offers_.find(store::make_key({org_id, u}));
    if (it == offers_.end()) continue;
    std::erase(it->second, call_sid);
    if (it->second.empty()) offers_.erase(it);
  }
  forget_if_idle(org_id, call_sid);
  return users;
}

std::vector<std::string> Engine::end_offers(std::vector<Notice>& to, std::string_view org_id, std::string_view call_sid,
                                            std::string_view outcome) {
  auto users = withdraw_offers(org_id, call_sid);
  if (users.empty()) return users;
  JsonWriter w;
  w.begin_object().field("type", "call.ended").field("call_sid", call_sid).field("outcome", outcome).end_object();
  for (const auto& u : users) to.push_back({std::string(org_id), u, w.str()});
  return users;
}

std::vector<std::string> Engine::offers_for(std::string_view org_id, std::string_view user_id) const {
  std::vector<std::string> out;
  auto it = offers_.find(store::make_key({org_id, user_id}));
  if (it == offers_.end()) return out;
  for (const auto& sid : it->second) {
    if (auto m = offer_messages_.find(store::make_key({org_id, sid, user_id})); m != offer_messages_.end()) {
      out.push_back(m->second);
    }
  }
  return out;
}

void Engine::agents_missed(Effects& fx, std::string_view org_id, const std::vector<std::string>& users, Timestamp now) {
  auto& p = pool(org_id);
  for (const auto& u : users) {
    auto agent = p.find_agent(u);
    if (!agent) continue;
    p.declined_or_missed(*agent, now);
    // Too many unanswered offers in a row: the agent is set away, and told.
    if (p.presence(*agent, now) == acd::Presence::away) {
      const auto* user = directory_.user(org_id, u);
      if (user != nullptr && user->presence != "away") {
        spdlog::info("agent {} of org {} set away after unanswered offers", u, org_id);
        fx.set_away.emplace_back(std::string(org_id), u);
      }
    }
  }
}

void Engine::agents_cancelled(std::string_view org_id, const std::vector<std::string>& users, std::string_view except,
                              Timestamp now) {
  auto& p = pool(org_id);
  for (const auto& u : users) {
    if (u == except) continue;
    if (auto agent = p.find_agent(u)) p.offer_cancelled(*agent, now);
  }
}

}  // namespace callrouter::engine
