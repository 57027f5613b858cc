// The HTTP request and response as handlers see them: plain values, no Beast types, so that
// everything past the server edge can be built and tested without Asio.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace callrouter::server {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, as sent
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased

  // The first header named `lower_name`, or empty.
  std::string_view header(std::string_view lower_name) const {
    for (const auto& [k, v] : headers) {
      if (k == lower_name) return v;
    }
    return {};
  }
  std::string_view path() const {
    auto q = target.find('?');
    return std::string_view(target).substr(0, q);
  }
  std::string_view query() const {
    auto q = target.find('?');
    return q == std::string::npos ? std::string_view() : std::string_view(target).substr(q + 1);
  }
};

// A body too large to hold at once (a CSV export): the server calls it for each next piece, after
// the previous one is on the wire, and sends the pieces with chunked transfer encoding. It appends
// to `out` (empty on entry) and returns false once nothing follows what it appended.
using BodySource = std::function<bool(std::string& out)>;

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  BodySource stream;  // set: `body` is ignored and the body is streamed from here
};

// Answers a request exactly once, possibly later (after the journal made its records durable).
using Reply = std::function<void(HttpResponse)>;
// `route` names the route for metrics; set before replying.
struct RequestContext {
  std::string_view route = "other";
};
using RequestHandler = std::function<void(HttpRequest&&, RequestContext&, Reply)>;

HttpResponse json_error(int status, std::string_view code, std::string_view message);

}  // namespace callrouter::server
