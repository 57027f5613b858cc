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
  agents_[key(org_id, user_id)].push_back(std::move(channel));
  ++connections_;
}

void AgentHub::detach(std::string_view org_id, std::string_view user_id, const server::WebSocketChannel* channel) {
  auto it = agents_.find(key(org_id, user_id));
  if (it == agents_.end()) return;
  auto& channels = it->second;
  auto before = channels.size();
  channels.erase(std::remove_if(channels.begin(), channels.end(), [&](const auto& c) { return c.get() == channel; }),
                 channels.end());
  connections_ -= before - channels.size();
  if (channels.empty()) agents_.erase(it);
}

std::size_t AgentHub::connections_of(std::string_view org_id, std::string_view user_id) const {
  auto it = agents_.find(key(org_id, user_id));
  return it == agents_.end() ? 0 : it->second.size();
}

void AgentHub::publish(std::string_view org_id, std::string_view user_id, const std::string& message) {
  auto it = agents_.find(key(org_id, user_id));
  if (it == agents_.end()) return;
  for (const auto& c : it->second) c->send(message);
}

void AgentHub::disconnect(std::string_view org_id, std::string_view user_id) {
  auto it = agents_.find(key(org_id, user_id));
  if (it == agents_.end()) return;
  auto channels = it->second;  // close() detaches, which edits the list
  for (const auto& c : channels) c->close();
}

void AgentHub::close_all() {
  std::vector<std::shared_ptr<server::WebSocketChannel>> all;  // close() detaches, which edits the map
  for (const auto& [k, channels] : agents_) all.insert(all.end(), channels.begin(), channels.end());
  for (const auto& c : all) c->close_going_away();
}

}  // namespace callrouter::app
