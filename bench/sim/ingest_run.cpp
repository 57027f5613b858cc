#include "sim/ingest_run.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cmath>
#include <fstream>

#include "sim/process_stats.hpp"
#include "sim/webhook_client.hpp"

namespace callrouter::sim {

namespace asio = boost::asio;

IngestResult run_ingest(const asio::ip::tcp::endpoint& target, pid_t target_pid, const std::vector<std::string>& requests,
                        const IngestOptions& o) {
  asio::io_context io(1);
  WebhookClient client(io, target, o.connections, 1);
  client.connect_all();

  const auto total = static_cast<std::uint64_t>(std::llround(o.rate * (o.warmup_s + o.seconds)));
  const auto interval = std::chrono::duration<double>(1.0 / o.rate);
  const auto start = Clock::now() + std::chrono::milliseconds(20);
  auto due = [&](std::uint64_t i) {
    return start + std::chrono::duration_cast<Clock::duration>(interval * static_cast<double>(i));
  };
  const auto window_from = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.warmup_s));
  const auto window_to = due(total);
  client.set_window(window_from, window_to);

  IngestResult r;
  r.offered = o.rate;
  std::ifstream("/proc/loadavg") >> r.load_before;
  CpuSample target_before, target_after, self_before, self_after;
  bool window_open = false;

  // The sender: at each wake-up, everything due is sent; then sleep until the next due time.
  std::uint64_t next = 0;
  asio::steady_timer pacer(io);
  std::function<void()> pace = [&] {
    const auto now = Clock::now();
    if (!window_open && now >= window_from) {
      window_open = true;
      target_before = sample_cpu(target_pid);
      self_before = sample_cpu(0);
    }
    while (next < total && due(next) <= now) {
      r.max_client_lag_us = std::max(r.max_client_lag_us, std::chrono::duration<double, std::micro>(now - due(next)).count());
      client.send(Webhook{due(next), requests[next % requests.size()], 0, {}});
      ++next;
    }
    if (next < total) {
      pacer.expires_at(std::min(due(next), window_open ? due(next) : window_from));
      pacer.async_wait([&](boost::system::error_code ec) {
        if (!ec) pace();
      });
    }
  };
  pacer.expires_at(start);
  pacer.async_wait([&](boost::system::error_code ec) {
    if (!ec) pace();
  });

  // The window closes with the schedule; CPU is sampled then, before the drain.
  asio::steady_timer window_end(io);
  window_end.expires_at(window_to);
  window_end.async_wait([&](boost::system::error_code) {
    target_after = sample_cpu(target_pid);
    self_after = sample_cpu(0);
  });

  // Runs until the schedule is sent and answered, or the drain deadline passes.
  const auto deadline = window_to + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.drain_s));
  while (Clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(50));
    if (next >= total && client.in_flight() == 0 && Clock::now() >= window_to) break;
  }
  if (target_after.wall_s == 0) {
    target_after = sample_cpu(target_pid);
    self_after = sample_cpu(0);
  }
  client.record_unanswered(Clock::now());

  r.latency = client.histogram(0);
  r.measured = client.completed_in_window();
  r.errors = client.errors() + (client.in_flight() - client.queued());  // still on the wire at the deadline
  r.non_2xx = client.non_2xx();
  const auto last = std::max(client.last_completion(), window_to);
  const double span = std::chrono::duration<double>(last - window_from).count();
  r.achieved = span > 0 ? static_cast<double>(r.measured) / span : 0;
  r.target_cores = cores_used(target_before, target_after);
  r.client_cores = cores_used(self_before, self_after);
  r.target_peak_rss = peak_rss_bytes(target_pid);
  client.shutdown();
  pacer.cancel();
  window_end.cancel();
  io.restart();
  io.poll();  // the aborted reads finish while everything they touch is alive
  return r;
}

}  // namespace callrouter::sim
