// A simulated agent's softphone connection: the agent WebSocket (/v1/agents/stream) with the
// agent's key, presence set to available on connect (and again after an auto-away), and each
// event handed to the scenario — `call.offered` is what the offer latency is measured on.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>

namespace callrouter::sim {

struct AgentEvent {
  std::string type;      // call.offered, call.connected, call.ended, presence.changed, snapshot, …
  std::string call_sid;  // when the event is about a call
  std::string presence;  // presence.changed
  std::string outcome;   // call.ended
  std::string flow_path;  // call.offered: the states the call went through, joined by " > "
};

class AgentClient : public std::enable_shared_from_this<AgentClient> {
 public:
  using OnEvent = std::function<void(AgentClient&, const AgentEvent&)>;
  AgentClient(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint daemon, std::string key, std::string user_id,
              OnEvent on_event);
  ~AgentClient();
  void start();
  void set_presence(std::string_view presence);
  void close();
  const std::string& user_id() const { return user_id_; }
  bool connected() const { return connected_; }

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  std::string user_id_;
  bool connected_ = false;
  void read();
  void write_next();
};

}  // namespace callrouter::sim
