#include "app/agent_hub.hpp"

#include <algorithm>

namespace callrouter::app {

std::string AgentHub::key(std::string_view org_id, std::string_view user_id) {
  std::string k(org_id);
  k.push_back('\0');
  k.append(user_id);
  return k;
}

void AgentHub::attach(std::string_view org_id, std::string_view user_id,
                      std::shared_ptr<server::WebSocketChannel> channel) {
  agents_[key(org_id, user_id)].channels.push_back(std::move(channel));
  ++connections_;
}

void AgentHub::detach(std::string_view org_id, std::string_view user_id, const server::WebSocketChannel* channel) {
  auto it = agents_.find(key(org_id, user_id));
  if (it == agents_.end()) return;
  auto& channels = it->second.channels;
  auto before = channels.size();
  channels.erase(std::remove_if(channels.begin(), channels.end(), [&](const auto& c) { return c.get() == channel; }),
                 channels.end());
  connections_ -= before - channels.size();
  if (channels.empty() && it->second.offers.empty()) agents_.erase(it);
}

void AgentHub::publish(std::string_view org_id, std::string_view user_id, const std::string& message) {
  auto it = agents_.find(key(org_id, user_id));
  if (it == agents_.end()) return;
  for (const auto& c : it->second.channels) c->send(message);
}

void AgentHub::disconnect(std::string_view org_id, std::string_view user_id) {
  auto it = agents_.find(key(org_id, user_id));
  if (it == agents_.end()) return;
  auto channels = it->second.channels;  // close() detaches, which edits the list
  for (const auto& c : channels) c->close();
}

void AgentHub::close_all() {
  std::vector<std::shared_ptr<server::WebSocketChannel>> all;  // close() detaches, which edits the map
  for (const auto& [k, agent] : agents_) all.insert(all.end(), agent.channels.begin(), agent.channels.end());
  for (const auto& c : all) c->close_going_away();
}

void AgentHub::offered(std::string_view org_id, std::string_view user_id, OfferedCall call) {
  auto& users = offered_to_[key(org_id, call.call_sid)];
  if (std::find(users.begin(), users.end(), user_id) == users.end()) users.emplace_back(user_id);
  auto& agent = agents_[key(org_id, user_id)];
  for (const auto& c : agent.channels) c->send(call.event_json);
  agent.offers.push_back(std::move(call));
}

std::vector<std::string> AgentHub::withdraw(std::string_view org_id, std::string_view call_sid) {
  std::vector<std::string> users;
  auto offered = offered_to_.find(key(org_id, call_sid));
  if (offered == offered_to_.end()) return users;
  for (auto& user : offered->second) {
    auto it = agents_.find(key(org_id, user));
    if (it == agents_.end()) continue;
    auto& offers = it->second.offers;
    auto removed = std::remove_if(offers.begin(), offers.end(), [&](const auto& o) { return o.call_sid == call_sid; });
    if (removed == offers.end()) continue;
    offers.erase(removed, offers.end());
    if (it->second.channels.empty() && offers.empty()) agents_.erase(it);
    users.push_back(std::move(user));
  }
  offered_to_.erase(offered);
  return users;
}

std::vector<const OfferedCall*> AgentHub::offers(std::string_view org_id, std::string_view user_id) const {
  std::vector<const OfferedCall*> out;
  auto it = agents_.find(key(org_id, user_id));
  if (it == agents_.end()) return out;
  for (const auto& o : it->second.offers) out.push_back(&o);
  return out;
}

}  // namespace callrouter::app
