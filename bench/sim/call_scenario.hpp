// The call scenario: whole calls placed at a constant rate (open loop) against a running daemon.
// The simulator plays the provider — it executes the TwiML answered (Say/Play/Pause take scaled
// time, Gather presses digits or times out, Dial rings simulated agents, Enqueue polls waitUrl,
// Record leaves a message), sends status callbacks with SequenceNumbers (some duplicated or
// reordered), takes the daemon's REST call updates — and agents hold WebSockets.
#pragma once

#include <sys/types.h>

#include <boost/asio/ip/tcp.hpp>

#include <map>
#include <string>
#include <vector>

#include "sim/bench_seed.hpp"
#include "sim/latency_histogram.hpp"
#include "sim/profiles.hpp"

namespace callrouter::sim {

class ProviderRest;

struct ScenarioOptions {
  double calls_per_s = 100;
  double seconds = 20;        // placing calls; then the calls in progress finish
  double drain_s = 60;
  double time_scale = 0.02;   // real seconds per call second (0: media takes no time)
  double reception_share = 0.7;  // calls to the menu line; the rest ring the sales group directly
  double duplicate_rate = 0.02;  // status callbacks sent twice
  double reorder_rate = 0.02;    // in-progress callback held back until after the final one
  std::size_t connections = 64;
  bool print_calls = false;   // one line per finished call (make demo)
  std::string public_base_url = "https://sim.callrouter.invalid";
  CallerProfile caller;
  AgentProfile agent;
  std::uint64_t seed = 7;
};

// Routes of the provider's requests, for per-route latency.
enum Route : int { voice, status, gather, dial, queue_wait, queue_result, recording, agent_status, kRoutes };
const char* route_name(int route);

struct ScenarioReport {
  double seconds = 0;
  std::uint64_t calls_placed = 0, calls_finished = 0;
  std::map<std::string, std::uint64_t> outcomes;  // agent, voicemail, abandoned, rejected, hangup, error
  std::vector<LatencyHistogram> by_route;
  LatencyHistogram all;
  LatencyHistogram offer;  // first webhook's scheduled time → call.offered on the agent's WebSocket
  LatencyHistogram offer_after_turn;  // the webhook that made the flow ring (voice, gather, …) → call.offered
  std::uint64_t webhooks = 0, bad_answers = 0, transport_errors = 0;
  double webhooks_per_s = 0;
  std::uint64_t offers = 0, rest_updates = 0, double_rings = 0, agents_connected = 0, auto_away = 0;
  std::uint64_t duplicates_sent = 0, reordered_sent = 0;
  double daemon_cores = 0, client_cores = 0;
  std::uint64_t daemon_peak_rss = 0;
};

struct ScenarioTarget {
  boost::asio::ip::tcp::endpoint daemon;
  pid_t daemon_pid = 0;
  std::string system_key;
  std::string admin_key;  // of orgs[0]; with print_calls, each finished call is read back with it
  std::vector<SimOrg> orgs;
};

// Runs on the calling thread. `rest` must route its call updates to this scenario: pass the
// ProviderRest whose callbacks forward to scenario_call_update().
ScenarioReport run_scenario(const ScenarioTarget& target, const ScenarioOptions& options, ProviderRest& rest);
// Hooks for ProviderRest's callbacks (any thread).
void scenario_call_update(std::string call_sid, std::string twiml);
// Stops placing calls (Ctrl-C in the demo); calls in progress finish. Async-signal-safe.
void scenario_stop();

std::string scenario_json(const ScenarioReport& r, const ScenarioOptions& o);
void print_scenario(const ScenarioReport& r);

}  // namespace callrouter::sim
