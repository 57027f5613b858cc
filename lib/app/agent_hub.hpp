// Live connections of agents' softphones (/v1/agents/stream) and the calls each agent is being
// offered, so events reach exactly the agent they concern and a reconnect gets a snapshot.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/directory.hpp"
#include "server/websocket_channel.hpp"

namespace callrouter::app {

struct OfferedCall {
  std::string call_sid;
  std::string from;
  std::string to;
  std::string event_json;  // the call.offered message, replayed in snapshots
};

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

  void offered(std::string_view org_id, std::string_view user_id, OfferedCall call);
  // The call is no longer offered to anyone; returns the agents it was offered to.
  std::vector<std::string> withdraw(std::string_view org_id, std::string_view call_sid);
  std::vector<const OfferedCall*> offers(std::string_view org_id, std::string_view user_id) const;
  std::size_t connections() const { return connections_; }

 private:
  static std::string key(std::string_view org_id, std::string_view user_id);
  struct Agent {
    std::vector<std::shared_ptr<server::WebSocketChannel>> channels;
    std::vector<OfferedCall> offers;
  };
  engine::StringMap<Agent> agents_;  // key: org NUL user
  // Who a call is offered to (key: org NUL call sid), so ending an offer touches only them.
  engine::StringMap<std::vector<std::string>> offered_to_;
  std::size_t connections_ = 0;
};

}  // namespace callrouter::app
