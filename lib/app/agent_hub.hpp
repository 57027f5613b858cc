// Live connections of agents' softphones (/v1/agents/stream), so messages reach exactly the agent
// they concern. What each agent is being offered is the engine's (Engine::offers_for).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/directory.hpp"
#include "server/websocket_channel.hpp"

namespace callrouter::app {

class AgentHub {
 public:
  void attach(std::string_view org_id, std::string_view user_id, std::shared_ptr<server::WebSocketChannel> channel);
  void detach(std::string_view org_id, std::string_view user_id, const server::WebSocketChannel* channel);
  // Sends to every connection of that agent (an agent may have several tabs open).
  void publish(std::string_view org_id, std::string_view user_id, const std::string& message);
  // Closes the agent's connections (its key was revoked or its user removed).
  void disconnect(std::string_view org_id, std::string_view user_id);
  // The daemon is stopping: every agent's connections are closed with "going away" (1001).
  void close_all();

  std::size_t connections() const { return connections_; }
  std::size_t connections_of(std::string_view org_id, std::string_view user_id) const;

 private:
  static std::string key(std::string_view org_id, std::string_view user_id);
  using Channels = std::vector<std::shared_ptr<server::WebSocketChannel>>;
  engine::StringMap<Channels> agents_;  // key: org NUL user
  std::size_t connections_ = 0;
};

}  // namespace callrouter::app
