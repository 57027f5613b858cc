// The app's side of the agent layer: one AgentPool per org kept in step with users, groups and
// presence, the ring selector flows use, and the call events that move agents (offered,
// answered, missed, ended).
#include <spdlog/spdlog.h>

#include "app/app.hpp"
#include "common/json_writer.hpp"
#include "store/config_records.hpp"

namespace callrouter::app {

acd::AgentPool& App::pool(std::string_view org_id) {
  auto it = pools_.find(org_id);
  if (it == pools_.end()) it = pools_.emplace(std::string(org_id), acd::AgentPool{}).first;
  return it->second;
}

void App::sync_group(std::string_view org_id, const engine::TelephonyGroup& group) {
  auto& p = pool(org_id);
  std::vector<acd::AgentId> members;
  for (const auto& m : group.members) {
    if (auto a = p.find_agent(m)) members.push_back(*a);
  }
  p.add_group(group.id, members, group.wrap_up_s);
}

void App::sync_user(std::string_view org_id, const engine::TelephonyUser& user) {
  auto& p = pool(org_id);
  auto agent = p.find_agent(user.id);
  if (!agent) agent = p.add_agent(user.id, clock_());
  if (auto presence = acd::parse_presence(user.presence); presence && acd::agent_settable(*presence)) {
    p.set_presence(*agent, *presence, clock_());
  }
}

void App::rebuild_pools() {
  pools_.clear();
  directory_.for_each_org([&](const engine::Org& org) {
    directory_.for_each_user(org.id, [&](const engine::TelephonyUser& u) { sync_user(org.id, u); });
    directory_.for_each_group(org.id, [&](const engine::TelephonyGroup& g) { sync_group(org.id, g); });
  });
}

std::string_view App::presence_of(const engine::TelephonyUser& user) const {
  auto it = pools_.find(user.org_id);
  if (it == pools_.end()) return user.presence;
  auto agent = it->second.find_agent(user.id);
  if (!agent) return user.presence;
  return acd::presence_name(it->second.presence(*agent, clock_()));
}

engine::RingSelector App::ring_selector(std::string_view org_id) {
  return [this, org = std::string(org_id)](const flow::AssignRequest& request, const engine::CallRecord& call) {
    engine::RingDecision decision;
    auto& p = pool(org);
    const auto now = clock_();
    std::array<acd::AgentId, acd::kMaxRingTargets> chosen{};
    std::size_t count = 0;
    if (request.group) {
      if (auto group = p.find_group(request.target)) {
        // Each round after the first rings members this call has not rung yet, so a group larger
        // than one <Dial> (10) is worked through; once everyone was tried, rounds start over.
        auto& tried = rung_[store::make_key({org, call.sid})];
        if (request.round == 0) tried.clear();
        count = p.select(*group, request.strategy, now, chosen, tried);
        if (count == 0 && !tried.empty()) {
          tried.clear();
          count = p.select(*group, request.strategy, now, chosen);
        }
        tried.insert(tried.end(), chosen.begin(), chosen.begin() + static_cast<std::ptrdiff_t>(count));
      }
    } else if (auto agent = p.find_agent(request.target); agent && p.eligible(*agent, now)) {
      chosen[0] = *agent;
      count = 1;
    }
    for (std::size_t i = 0; i < count; ++i) {
      const auto& state = p.agent(chosen[i]);
      const auto* user = directory_.user(org, state.user_id);
      auto target = user ? engine::dial_target(*user) : std::nullopt;
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

void App::agents_missed(std::string_view org_id, const std::vector<std::string>& users) {
  auto& p = pool(org_id);
  const auto now = clock_();
  for (const auto& u : users) {
    auto agent = p.find_agent(u);
    if (!agent) continue;
    p.declined_or_missed(*agent, now);
    // Too many unanswered offers in a row: the agent is set away, and told.
    if (p.presence(*agent, now) == acd::Presence::away) {
      const auto* user = directory_.user(org_id, u);
      if (user != nullptr && user->presence != "away") {
        spdlog::info("agent {} of org {} set away after unanswered offers", u, org_id);
        change_presence(org_id, u, "away", [](const engine::TelephonyUser*, server::HttpResponse) {});
      }
    }
  }
}

void App::agents_cancelled(std::string_view org_id, const std::vector<std::string>& users, std::string_view except) {
  auto& p = pool(org_id);
  for (const auto& u : users) {
    if (u == except) continue;
    if (auto agent = p.find_agent(u)) p.offer_cancelled(*agent, clock_());
  }
}

}  // namespace callrouter::app
