#include "ops/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>

namespace callrouter::ops {

namespace {

constexpr std::string_view kRequests = "callrouter_http_requests_total";
constexpr std::string_view kDuration = "callrouter_http_request_duration_seconds";
constexpr std::string_view kOpen = "callrouter_http_open_connections";
constexpr std::string_view kAccepted = "callrouter_http_connections_total";
constexpr std::string_view kEvicted = "callrouter_http_evicted_connections_total";

// The `le` labels for HttpMetrics::kBucketBoundsNs, spelled as the Go and Python clients spell
// them so dashboards can select a bucket by its usual label.
constexpr std::array<std::string_view, HttpMetrics::kBucketBoundsNs.size()> kBucketLabels = {
    "5e-05", "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005",
    "0.01",  "0.025",  "0.05",    "0.1",    "0.25",  "1"};

bool is_metric_name(std::string_view name) {
  if (name.empty() || name.substr(0, 2) == "__") return false;  // "__" is reserved
  auto first = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
  };
  if (!first(name[0])) return false;
  return std::all_of(name.begin() + 1, name.end(),
                     [&](char c) { return first(c) || (c >= '0' && c <= '9'); });
}

bool is_ours(std::string_view name) {
  for (std::string_view own : {kRequests, kOpen, kAccepted, kEvicted, kDuration}) {
    if (name == own) return true;
  }
  // A histogram's samples use suffixed names, which a gauge must not shadow either.
  for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (name.size() == kDuration.size() + suffix.size() &&
        name.substr(0, kDuration.size()) == kDuration && name.substr(kDuration.size()) == suffix) {
      return true;
    }
  }
  return false;
}

std::string escape_help(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void append_value(std::string& out, double v) {
  // The format spells the special values the Go way; fmt would write "inf" and "nan".
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    fmt::format_to(std::back_inserter(out), "{}", v);
  }
}

// Nanoseconds as exact decimal seconds ("0.0003", "2", "1.5"), so sums never drift.
void append_seconds(std::string& out, std::uint64_t ns) {
  std::uint64_t whole = ns / 1'000'000'000;
  std::uint64_t frac = ns % 1'000'000'000;
  if (frac == 0) {
    fmt::format_to(std::back_inserter(out), "{}", whole);
    return;
  }
  std::string digits = fmt::format("{:09}", frac);
  digits.erase(digits.find_last_not_of('0') + 1);
  fmt::format_to(std::back_inserter(out), "{}.{}", whole, digits);
}

void append_header(std::string& out, std::string_view name, std::string_view help,
                   std::string_view type) {
  fmt::format_to(std::back_inserter(out), "# HELP {}{}{}\n# TYPE {} {}\n", name,
                 help.empty() ? "" : " ", escape_help(help), name, type);
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

HttpMetrics::RouteStats& HttpMetrics::route_stats(std::string_view route) {
  for (auto& r : routes_) {
    if (r.route == route) return r;
  }
  if (routes_.size() >= kMaxRoutes) {
    route = "other";
    for (auto& r : routes_) {
      if (r.route == route) return r;
    }
  }
  routes_.push_back(RouteStats{std::string(route), {}, {}, 0, 0});
  return routes_.back();
}

void HttpMetrics::on_request(std::string_view route, int status, std::chrono::nanoseconds latency) {
  RouteStats& r = route_stats(route);

  auto it = std::find_if(r.status_counts.begin(), r.status_counts.end(),
                         [&](const auto& sc) { return sc.first == status; });
  if (it == r.status_counts.end()) {
    r.status_counts.emplace_back(status, 1);
  } else {
    ++it->second;
  }

  // A clock step can make a measured latency negative; count it as zero rather than drop it.
  std::int64_t ns = std::max<std::int64_t>(latency.count(), 0);
  // le is inclusive: a request of exactly 500us belongs to the 500us bucket.
  auto bound = std::lower_bound(kBucketBoundsNs.begin(), kBucketBoundsNs.end(), ns);
  ++r.bucket_counts[static_cast<std::size_t>(bound - kBucketBoundsNs.begin())];
  ++r.count;
  r.sum_ns += static_cast<std::uint64_t>(ns);
}

void HttpMetrics::connection_opened() {
  ++open_connections_;
  ++connections_total_;
}

void HttpMetrics::connection_evicted() { ++evicted_total_; }

void HttpMetrics::connection_closed() {
  // Never below zero: an unmatched close is a bug elsewhere, not a reason to publish nonsense.
  if (open_connections_ > 0) --open_connections_;
}

bool HttpMetrics::set_gauge(std::string_view name, std::string_view help, double value) {
  return set_external(name, help, value, false);
}

bool HttpMetrics::set_counter(std::string_view name, std::string_view help, double value) {
  if (std::isnan(value) || value < 0) return false;
  return set_external(name, help, value, true);
}

bool HttpMetrics::set_external(std::string_view name, std::string_view help, double value,
                               bool counter) {
  if (!is_metric_name(name) || is_ours(name)) return false;
  for (auto& e : externals_) {
    if (e.name == name) {
      if (e.counter != counter) return false;  // one name, one type, or scrapers reject the page
      if (e.help != help) e.help = help;
      e.value = value;
      return true;
    }
  }
  externals_.push_back(External{std::string(name), std::string(help), value, counter});
  return true;
}

std::string HttpMetrics::render() const {
  std::string out;
  out.reserve(1024 + routes_.size() * 1536);
  auto sink = std::back_inserter(out);

  // Sorted output so a scrape does not depend on which route was hit first.
  std::vector<const RouteStats*> routes;
  routes.reserve(routes_.size());
  for (const auto& r : routes_) routes.push_back(&r);
  std::sort(routes.begin(), routes.end(),
            [](const RouteStats* a, const RouteStats* b) { return a->route < b->route; });

  append_header(out, kRequests, "HTTP requests answered, by route and status.", "counter");
  for (const RouteStats* r : routes) {
    std::string label = escape_label_value(r->route);
    auto statuses = r->status_counts;
    std::sort(statuses.begin(), statuses.end());
    for (const auto& [status, n] : statuses) {
      fmt::format_to(sink, "{}{{route=\"{}\",status=\"{}\"}} {}\n", kRequests, label, status, n);
    }
  }

  append_header(out, kDuration, "Time to answer an HTTP request, by route.", "histogram");
  for (const RouteStats* r : routes) {
    std::string label = escape_label_value(r->route);
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kBucketLabels.size(); ++i) {
      cumulative += r->bucket_counts[i];
      fmt::format_to(sink, "{}_bucket{{route=\"{}\",le=\"{}\"}} {}\n", kDuration, label,
                     kBucketLabels[i], cumulative);
    }
    fmt::format_to(sink, "{}_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", kDuration, label, r->count);
    fmt::format_to(sink, "{}_sum{{route=\"{}\"}} ", kDuration, label);
    append_seconds(out, r->sum_ns);
    fmt::format_to(sink, "\n{}_count{{route=\"{}\"}} {}\n", kDuration, label, r->count);
  }

  append_header(out, kOpen, "HTTP connections currently open.", "gauge");
  fmt::format_to(sink, "{} {}\n", kOpen, open_connections_);
  append_header(out, kAccepted, "HTTP connections accepted since start.", "counter");
  fmt::format_to(sink, "{} {}\n", kAccepted, connections_total_);
  append_header(out, kEvicted, "Idle HTTP connections closed at the connection limit to make room for a new one.", "counter");
  fmt::format_to(sink, "{} {}\n", kEvicted, evicted_total_);

  std::vector<const External*> externals;
  externals.reserve(externals_.size());
  for (const auto& e : externals_) externals.push_back(&e);
  std::sort(externals.begin(), externals.end(),
            [](const External* a, const External* b) { return a->name < b->name; });
  for (const External* e : externals) {
    append_header(out, e->name, e->help, e->counter ? "counter" : "gauge");
    out += e->name;
    out += ' ';
    append_value(out, e->value);
    out += '\n';
  }
  return out;
}

}  // namespace callrouter::ops
