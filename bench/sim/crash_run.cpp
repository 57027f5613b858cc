#include "sim/crash_run.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <csignal>
#include <cstdio>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "common/json_writer.hpp"
#include "sim/bench_seed.hpp"
#include "sim/ingest_requests.hpp"
#include "sim/signed_request.hpp"
#include "sim/target_process.hpp"
#include "sim/webhook_client.hpp"

namespace callrouter::sim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// Closed loop from request `first` on until `load_s` passes, then SIGKILL; returns the indexes
// answered 200 (those are acknowledged: durable by the daemon's contract).
std::vector<std::uint64_t> load_then_kill(Daemon& d, const std::vector<std::string>& requests, std::uint64_t& next,
                                          const CrashOptions& o) {
  asio::io_context io(1);
  WebhookClient client(io, {asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(d.port)}, o.connections, 1);
  client.connect_all();
  std::vector<std::uint64_t> acked;
  bool killed = false;
  std::function<void()> send_next = [&] {
    if (killed || next >= requests.size()) return;
    const auto i = next++;
    client.send(Webhook{Clock::now(), requests[i], 0, [&, i](WebhookResult r) {
                          if (r.status == 200) acked.push_back(i);
                          send_next();
                        }});
  };
  for (std::size_t c = 0; c < o.connections; ++c) send_next();
  asio::steady_timer kill_at(io);
  kill_at.expires_after(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.load_s)));
  kill_at.async_wait([&](boost::system::error_code) {
    killed = true;
    ::kill(d.process.pid(), SIGKILL);
  });
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.load_s)) +
                        std::chrono::seconds(20);
  while (Clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(20));
    if (killed && client.in_flight() == 0) break;
  }
  client.shutdown();
  io.restart();
  io.poll();
  d.process.stop(5'000);  // reaps the killed process
  return acked;
}

// Every event of the org's change feed, oldest first, over one keep-alive connection.
void read_feed(int port, const std::string& admin_key,
               const std::function<void(std::uint64_t seq, std::string_view type, std::string_view sid)>& visit) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
  beast::flat_buffer buffer;
  simdjson::dom::parser parser;
  std::uint64_t after = 0;
  for (;;) {
    http::request<http::empty_body> req{http::verb::get, fmt::format("/v1/events?after={}&limit=1000", after), 11};
    req.set(http::field::host, "callrouter");
    req.set(http::field::authorization, "Bearer " + admin_key);
    http::write(socket, req);
    http::response<http::string_body> res;
    http::read(socket, buffer, res);
    if (res.result_int() != 200) throw std::runtime_error(fmt::format("GET /v1/events answered {}: {}", res.result_int(), res.body()));
    simdjson::dom::array events = parser.parse(res.body())["events"].get_array();
    if (events.size() == 0) return;
    for (simdjson::dom::object e : events) {
      const std::uint64_t seq = e["seq"].get_uint64();
      std::string_view type = e["type"].get_string();
      std::string_view sid;
      if (auto field = e["call_sid"].get_string(); !field.error()) sid = field.value();
      visit(seq, type, sid);
      after = seq;
    }
  }
}

}  // namespace

CrashReport run_crash(const CrashOptions& o) {
  SeedShape shape;
  shape.orgs = 1;  // one admin key reads the whole feed
  const auto orgs = make_orgs(shape);
  const std::uint64_t count = static_cast<std::uint64_t>(o.kills) * static_cast<std::uint64_t>(o.load_s * 20'000);
  std::fprintf(stderr, "building %llu signed voice webhooks ...\n", static_cast<unsigned long long>(count));
  const auto requests = voice_requests(orgs, o.public_base_url, count, 1);

  const auto home = o.work / "daemon-crash";
  std::filesystem::remove_all(home);
  Daemon d;
  const DaemonSettings settings{o.daemon, home, o.public_base_url, o.provider_api_base_url, "fsync", "info", 0,
                                Launch{o.server_cpus, {}}};
  start_daemon(d, settings, orgs, shape);
  CrashReport r;
  std::unordered_set<std::string> acknowledged;
  std::uint64_t next = 0;
  for (int k = 0; k < o.kills; ++k) {
    if (k > 0) restart_daemon(d, settings);
    const auto acked = load_then_kill(d, requests, next, o);
    for (auto i : acked) acknowledged.insert(call_sid(1 + i));
    ++r.kills;
    std::fprintf(stderr, "kill %d: %zu acknowledged, %llu sent so far\n", k + 1, acked.size(),
                 static_cast<unsigned long long>(next));
  }
  r.sent = next;
  r.acknowledged = acknowledged.size();
  restart_daemon(d, settings);

  std::unordered_map<std::string, int> ringing;
  std::uint64_t last_seq = 0;
  read_feed(d.port, d.admin_key, [&](std::uint64_t seq, std::string_view type, std::string_view sid) {
    ++r.events;
    if (seq != last_seq + 1) ++r.seq_gaps;
    last_seq = seq;
    if (type == "call.ringing") {
      ++r.ringing;
      if (++ringing[std::string(sid)] == 2) ++r.duplicated;
    }
  });
  for (const auto& sid : acknowledged) {
    if (ringing.find(sid) == ringing.end()) ++r.acknowledged_missing;
  }
  d.process.stop();
  std::filesystem::remove_all(home);
  return r;
}

std::string crash_json(const CrashReport& r, const CrashOptions& o) {
  JsonWriter w;
  w.begin_object()
      .field("server_cpus", o.server_cpus)
      .field("connections", static_cast<std::uint64_t>(o.connections))
      .field("kills", static_cast<std::int64_t>(r.kills))
      .field("sent", r.sent)
      .field("acknowledged", r.acknowledged)
      .field("feed_events", r.events)
      .field("feed_call_ringing", r.ringing)
      .field("acknowledged_missing", r.acknowledged_missing)
      .field("duplicated", r.duplicated)
      .field("seq_gaps", r.seq_gaps)
      .field("ok", r.ok())
      .end_object();
  return w.take();
}

}  // namespace callrouter::sim
