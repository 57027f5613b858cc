// Tests HttpMetrics' Prometheus text output byte for byte: counters, cumulative histogram
// buckets, label escaping and gauges.
#include "ops/metrics.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <limits>
#include <string>

using callrouter::ops::escape_label_value;
using callrouter::ops::HttpMetrics;
using namespace std::chrono_literals;

namespace {

const std::string kEmptyHttp =
    "# HELP callrouter_http_requests_total HTTP requests answered, by route and status.\n"
    "# TYPE callrouter_http_requests_total counter\n"
    "# HELP callrouter_http_request_duration_seconds Time to answer an HTTP request, by route.\n"
    "# TYPE callrouter_http_request_duration_seconds histogram\n"
    "# HELP callrouter_http_open_connections HTTP connections currently open.\n"
    "# TYPE callrouter_http_open_connections gauge\n"
    "callrouter_http_open_connections 0\n"
    "# HELP callrouter_http_connections_total HTTP connections accepted since start.\n"
    "# TYPE callrouter_http_connections_total counter\n"
    "callrouter_http_connections_total 0\n"
    "# HELP callrouter_http_evicted_connections_total Idle HTTP connections closed at the connection limit to make room for a new one.\n"
    "# TYPE callrouter_http_evicted_connections_total counter\n"
    "callrouter_http_evicted_connections_total 0\n";

// The value of the first sample line that starts with `series` followed by a space.
std::string sample(const std::string& text, const std::string& series) {
  std::string needle = "\n" + series + " ";
  auto pos = text.find(needle);
  if (pos == std::string::npos) return "<missing>";
  pos += needle.size();
  return text.substr(pos, text.find('\n', pos) - pos);
}

std::string bucket(const std::string& route, const std::string& le) {
  return "callrouter_http_request_duration_seconds_bucket{route=\"" + route + "\",le=\"" + le +
         "\"}";
}

}  // namespace

TEST_CASE("a fresh HttpMetrics renders every family's HELP and TYPE with no series") {
  HttpMetrics m;
  CHECK(m.render() == kEmptyHttp);
}

TEST_CASE("requests render as counters and a cumulative histogram, exactly") {
  HttpMetrics m;
  m.on_request("/twilio/voice", 200, 300us);
  m.on_request("/twilio/voice", 200, 40us);
  m.on_request("/twilio/voice", 403, 2ms);
  m.on_request("/healthz", 200, 500us);  // exactly on a bound: le is inclusive

  const std::string expected =
      "# HELP callrouter_http_requests_total HTTP requests answered, by route and status.\n"
      "# TYPE callrouter_http_requests_total counter\n"
      "callrouter_http_requests_total{route=\"/healthz\",status=\"200\"} 1\n"
      "callrouter_http_requests_total{route=\"/twilio/voice\",status=\"200\"} 2\n"
      "callrouter_http_requests_total{route=\"/twilio/voice\",status=\"403\"} 1\n"
      "# HELP callrouter_http_request_duration_seconds Time to answer an HTTP request, by route.\n"
      "# TYPE callrouter_http_request_duration_seconds histogram\n"
      "callrouter_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"5e-05\"} 0\n"
      "callrouter_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.0001\"} 0\n"
      "callrouter_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.00025\"} 0\n"
      "callrouter_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.0005\"} 1\n"
      "callrouter_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.001\"} 1\n"
      "callrouter_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.0025\"} 1\n"
      "callrouter_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.005\"} 1\n"
      "callrouter_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.01\"} 1\n"
      "callrouter_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.025\"} 1\n"
      "callrouter_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.05\"} 1\n"
      "callrouter_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.1\"} 1\n"
      "callrouter_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.25\"} 1\n"
      "callrouter_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"1\"} 1\n"
      "callrouter_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 1\n"
      "callrouter_http_request_duration_seconds_sum{route=\"/healthz\"} 0.0005\n"
      "callrouter_http_request_duration_seconds_count{route=\"/healthz\"} 1\n"
      "callrouter_http_request_duration_seconds_bucket{route=\"/twilio/voice\",le=\"5e-05\"} 1\n"
      "callrouter_http_request_duration_seconds_bucket{route=\"/twilio/voice\",le=\"0.0001\"} 1\n"
      "callrouter_http_request_duration_seconds_bucket{route=\"/twilio/voice\",le=\"0.00025\"} 1\n"
      "callrouter_http_request_duration_seconds_bucket{route=\"/twilio/voice\",le=\"0.0005\"} 2\n"
      "callrouter_http_request_duration_seconds_bucket{route=\"/twilio/voice\",le=\"0.001\"} 2\n"
      "callrouter_http_request_duration_seconds_bucket{route=\"/twilio/voice\",le=\"0.0025\"} 3\n"
      "callrouter_http_request_duration_seconds_bucket{route=\"/twilio/voice\",le=\"0.005\"} 3\n"
      "callrouter_http_request_duration_seconds_bucket{route=\"/twilio/voice\",le=\"0.01\"} 3\n"
      "callrouter_http_request_duration_seconds_bucket{route=\"/twilio/voice\",le=\"0.025\"} 3\n"
      "callrouter_http_request_duration_seconds_bucket{route=\"/twilio/voice\",le=\"0.05\"} 3\n"
      "callrouter_http_request_duration_seconds_bucket{route=\"/twilio/voice\",le=\"0.1\"} 3\n"
      "callrouter_http_request_duration_seconds_bucket{route=\"/twilio/voice\",le=\"0.25\"} 3\n"
      "callrouter_http_request_duration_seconds_bucket{route=\"/twilio/voice\",le=\"1\"} 3\n"
      "callrouter_http_request_duration_seconds_bucket{route=\"/twilio/voice\",le=\"+Inf\"} 3\n"
      "callrouter_http_request_duration_seconds_sum{route=\"/twilio/voice\"} 0.00234\n"
      "callrouter_http_request_duration_seconds_count{route=\"/twilio/voice\"} 3\n"
      "# HELP callrouter_http_open_connections HTTP connections currently open.\n"
      "# TYPE callrouter_http_open_connections gauge\n"
      "callrouter_http_open_connections 0\n"
      "# HELP callrouter_http_connections_total HTTP connections accepted since start.\n"
      "# TYPE callrouter_http_connections_total counter\n"
      "callrouter_http_connections_total 0\n"
      "# HELP callrouter_http_evicted_connections_total Idle HTTP connections closed at the connection limit to make room for a new one.\n"
      "# TYPE callrouter_http_evicted_connections_total counter\n"
      "callrouter_http_evicted_connections_total 0\n";
  CHECK(m.render() == expected);
}

TEST_CASE("a 300us request lands in 500us and above, not below") {
  HttpMetrics m;
  m.on_request("/twilio/status", 204, 300us);
  std::string text = m.render();
  for (const char* le : {"5e-05", "0.0001", "0.00025"}) {
    INFO("le=" << le);
    CHECK(sample(text, bucket("/twilio/status", le)) == "0");
  }
  for (const char* le : {"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
                         "0.25", "1", "+Inf"}) {
    INFO("le=" << le);
    CHECK(sample(text, bucket("/twilio/status", le)) == "1");
  }
}

TEST_CASE("buckets are cumulative, +Inf equals _count, and _sum is exact") {
  HttpMetrics m;
  const std::chrono::nanoseconds latencies[] = {0ns, 50us,         50001ns, 1ms, 999ms,
                                                1s,  1000000001ns, 2s,      90s, -5us};
  for (auto l : latencies) m.on_request("/v1/calls", 200, l);
  std::string text = m.render();
  CHECK(sample(text, bucket("/v1/calls", "5e-05")) == "3");  // 0, 50us, and -5us counted as 0
  CHECK(sample(text, bucket("/v1/calls", "0.0001")) == "4");
  CHECK(sample(text, bucket("/v1/calls", "0.001")) == "5");
  CHECK(sample(text, bucket("/v1/calls", "0.25")) == "5");
  CHECK(sample(text, bucket("/v1/calls", "1")) == "7");
  CHECK(sample(text, bucket("/v1/calls", "+Inf")) == "10");
  CHECK(sample(text, "callrouter_http_request_duration_seconds_count{route=\"/v1/calls\"}") ==
        "10");
  // 0 + 0.00005 + 0.000050001 + 0.001 + 0.999 + 1 + 1.000000001 + 2 + 90 = 95.000100002
  CHECK(sample(text, "callrouter_http_request_duration_seconds_sum{route=\"/v1/calls\"}") ==
        "95.000100002");
}

TEST_CASE("label values are escaped per the exposition format") {
  CHECK(escape_label_value("plain") == "plain");
  CHECK(escape_label_value("a\\b") == "a\\\\b");
  CHECK(escape_label_value("say \"hi\"") == "say \\\"hi\\\"");
  CHECK(escape_label_value("two\nlines") == "two\\nlines");

  HttpMetrics m;
  m.on_request("we\"ird\\route\n", 500, 1ms);
  std::string text = m.render();
  CHECK(sample(text,
               "callrouter_http_requests_total{route=\"we\\\"ird\\\\route\\n\",status=\"500\"}") ==
        "1");
  CHECK(text.find("we\"ird") == std::string::npos);
}

TEST_CASE("open connections go up and down and never below zero") {
  HttpMetrics m;
  m.connection_opened();
  m.connection_opened();
  m.connection_opened();
  m.connection_closed();
  std::string text = m.render();
  CHECK(sample(text, "callrouter_http_open_connections") == "2");
  CHECK(sample(text, "callrouter_http_connections_total") == "3");
  m.connection_closed();
  m.connection_closed();
  m.connection_closed();  // unmatched
  text = m.render();
  CHECK(sample(text, "callrouter_http_open_connections") == "0");
  CHECK(sample(text, "callrouter_http_connections_total") == "3");
  m.connection_evicted();
  CHECK(sample(m.render(), "callrouter_http_evicted_connections_total") == "1");
}

TEST_CASE("extra gauges render after the HTTP families, sorted, with escaped help") {
  HttpMetrics m;
  CHECK(m.set_gauge("callrouter_journal_queue_depth", "Records waiting for fsync.", 12));
  CHECK(m.set_gauge("callrouter_active_calls", "Calls in progress.\nIncludes ringing.", 3.5));
  CHECK(m.set_gauge("callrouter_journal_queue_depth", "Records waiting for fsync.", 7));
  CHECK(m.set_gauge("callrouter_odd", "back\\slash", std::numeric_limits<double>::infinity()));
  CHECK(m.set_gauge("callrouter_nan", "", std::numeric_limits<double>::quiet_NaN()));
  CHECK(
      m.set_gauge("callrouter_negative", "Below zero.", -std::numeric_limits<double>::infinity()));
  CHECK(m.set_gauge("callrouter_small", "Small.", 1e-7));

  const std::string expected =
      kEmptyHttp +
      "# HELP callrouter_active_calls Calls in progress.\\nIncludes ringing.\n"
      "# TYPE callrouter_active_calls gauge\n"
      "callrouter_active_calls 3.5\n"
      "# HELP callrouter_journal_queue_depth Records waiting for fsync.\n"
      "# TYPE callrouter_journal_queue_depth gauge\n"
      "callrouter_journal_queue_depth 7\n"
      "# HELP callrouter_nan\n"
      "# TYPE callrouter_nan gauge\n"
      "callrouter_nan NaN\n"
      "# HELP callrouter_negative Below zero.\n"
      "# TYPE callrouter_negative gauge\n"
      "callrouter_negative -Inf\n"
      "# HELP callrouter_odd back\\\\slash\n"
      "# TYPE callrouter_odd gauge\n"
      "callrouter_odd +Inf\n"
      "# HELP callrouter_small Small.\n"
      "# TYPE callrouter_small gauge\n"
      "callrouter_small 1e-07\n";
  CHECK(m.render() == expected);
}

TEST_CASE("set_gauge refuses invalid names and the HTTP families' own names") {
  HttpMetrics m;
  for (const char* bad :
       {"", "1abc", "has space", "has-dash", "__reserved", "é", "callrouter_http_requests_total",
        "callrouter_http_open_connections", "callrouter_http_connections_total",
        "callrouter_http_evicted_connections_total",
        "callrouter_http_request_duration_seconds",
        "callrouter_http_request_duration_seconds_bucket",
        "callrouter_http_request_duration_seconds_sum",
        "callrouter_http_request_duration_seconds_count"}) {
    INFO("name=" << bad);
    CHECK_FALSE(m.set_gauge(bad, "help", 1));
  }
  CHECK(m.render() == kEmptyHttp);
  CHECK(m.set_gauge("ns:sub_name_2", "Colons are allowed.", 1));
  CHECK(m.set_gauge("callrouter_http_client_inflight", "Not one of ours.", 1));
}

TEST_CASE("routes beyond the cap are counted as \"other\"") {
  HttpMetrics m;
  for (std::size_t i = 0; i < HttpMetrics::kMaxRoutes; ++i) {
    m.on_request("/r" + std::to_string(i), 200, 1ms);
  }
  m.on_request("/one-too-many", 200, 1ms);
  m.on_request("/two-too-many", 404, 1ms);
  m.on_request("/r0", 200, 1ms);  // known routes still count as themselves
  std::string text = m.render();
  CHECK(text.find("/one-too-many") == std::string::npos);
  CHECK(sample(text, "callrouter_http_requests_total{route=\"other\",status=\"200\"}") == "1");
  CHECK(sample(text, "callrouter_http_requests_total{route=\"other\",status=\"404\"}") == "1");
  CHECK(sample(text, "callrouter_http_requests_total{route=\"/r0\",status=\"200\"}") == "2");
}

TEST_CASE("counters published by other modules render with TYPE counter, among the gauges") {
  HttpMetrics m;
  CHECK(m.set_counter("callrouter_journal_commits_total", "Journal batches written.", 41));
  CHECK(m.set_counter("callrouter_journal_commits_total", "Journal batches written.", 42));
  CHECK(m.set_gauge("callrouter_journal_queue_depth", "Records waiting for fsync.", 0));
  const std::string expected = kEmptyHttp +
                               "# HELP callrouter_journal_commits_total Journal batches written.\n"
                               "# TYPE callrouter_journal_commits_total counter\n"
                               "callrouter_journal_commits_total 42\n"
                               "# HELP callrouter_journal_queue_depth Records waiting for fsync.\n"
                               "# TYPE callrouter_journal_queue_depth gauge\n"
                               "callrouter_journal_queue_depth 0\n";
  CHECK(m.render() == expected);

  // One name keeps one type; counters are never negative or NaN.
  CHECK_FALSE(m.set_gauge("callrouter_journal_commits_total", "Journal batches written.", 1));
  CHECK_FALSE(m.set_counter("callrouter_journal_queue_depth", "Records waiting for fsync.", 1));
  CHECK_FALSE(m.set_counter("callrouter_other_total", "x", -1));
  CHECK_FALSE(
      m.set_counter("callrouter_other_total", "x", std::numeric_limits<double>::quiet_NaN()));
  CHECK_FALSE(m.set_counter("callrouter_http_requests_total", "x", 1));
  CHECK(m.render() == expected);
}
