// One open-loop step of the ingest benchmark: incoming-call webhooks (POST /twilio/voice, each a
// new call) at a constant rate to one target, timed from their scheduled send times, with the
// target's CPU and peak RSS and the simulator's own CPU over the measured window.
#pragma once

#include <sys/types.h>

#include <boost/asio/ip/tcp.hpp>

#include <string>
#include <vector>

#include "sim/latency_histogram.hpp"

namespace callrouter::sim {

struct IngestOptions {
  double rate = 1000;     // webhooks per second, offered
  double warmup_s = 2;    // sent but not measured
  double seconds = 8;     // measured
  std::size_t connections = 256;
  double drain_s = 15;    // the provider gives up after 15 s
};

struct IngestResult {
  std::string target;
  bool saturation = false;  // offered far above capacity: only `achieved` means something
  double offered = 0;
  double achieved = 0;  // answered webhooks per second over the measured window
  LatencyHistogram latency;
  std::uint64_t measured = 0, errors = 0, non_2xx = 0;
  double target_cores = 0;  // CPU of the target process over the window (1.0 = one core)
  double client_cores = 0;  // the simulator's own CPU over the window
  std::uint64_t target_peak_rss = 0;
  double max_client_lag_us = 0;  // how late the sender ever was against the schedule
  double load_before = 0;        // 1-minute load average when the step started: other work on the machine shows here
};

// `requests` are complete HTTP requests; request i is due at start + i / rate (they are reused
// cyclically if there are fewer than the run needs).
IngestResult run_ingest(const boost::asio::ip::tcp::endpoint& target, pid_t target_pid,
                        const std::vector<std::string>& requests, const IngestOptions& options);

}  // namespace callrouter::sim
