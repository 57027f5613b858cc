// A stand-in for the provider's REST API (api.twilio.com) on loopback, the daemon's
// provider.api_base_url: call updates (a queued caller moved to an agent), call creation
// (click-to-call), and the number search and purchase the billing work uses. Runs on its own
// thread; call updates are handed to the simulator's loop.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace callrouter::sim {

struct RestCounters {
  std::atomic<std::uint64_t> call_updates{0}, call_creates{0}, number_searches{0}, number_purchases{0}, other{0};
};

class ProviderRest {
 public:
  // on_call_update(call_sid, twiml) runs on the REST thread: the receiver must post it onward.
  using CallUpdate = std::function<void(std::string call_sid, std::string twiml)>;
  using CallCreate = std::function<void(std::string call_sid, std::string to, std::string from, std::string url)>;
  // port 0: any free port (see port()).
  ProviderRest(CallUpdate on_update, CallCreate on_create, int port = 0);
  ~ProviderRest();
  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const RestCounters& counters() const { return counters_; }

  struct Impl;

 private:
  RestCounters counters_;  // before impl_, which keeps a reference to it
  std::shared_ptr<Impl> impl_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace callrouter::sim
