#include "server/response_head.hpp"

#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>

#include <sstream>

using namespace callrouter::server;
namespace http = boost::beast::http;

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

// What the server wrote before write_head: a Beast response serialized by Beast.
std::string beast_head(int status, const std::string& content_type, const Headers& headers, const std::string& body,
                       bool keep_alive) {
  http::response<http::string_body> res;
  res.version(11);
  res.result(static_cast<unsigned>(status));
  res.set(http::field::server, "callrouter");
  res.set(http::field::content_type, content_type);
  for (const auto& [k, v] : headers) res.set(k, v);
  res.body() = body;
  res.keep_alive(keep_alive);
  res.prepare_payload();
  std::ostringstream out;
  out << res.base();
  return out.str();
}

std::string ours(int status, const std::string& content_type, const Headers& headers, const std::string& body,
                 bool keep_alive) {
  std::string out = "left over from the last answer";
  write_head(out, status, content_type, headers, body.size(), keep_alive);
  return out;
}

}  // namespace

TEST_CASE("write_head sends what Beast's serializer sent, byte for byte") {
  struct Case {
    int status;
    std::string content_type;
    Headers headers;
    std::string body;
    bool keep_alive;
  };
  const std::vector<Case> cases{
      {200, "text/xml", {}, "<Response/>", true},
      {200, "application/json", {}, "", true},
      {503, "application/json", {{"Retry-After", "1"}}, R"({"error":{}})", false},
      {200, "text/csv; charset=utf-8", {{"Content-Disposition", "attachment; filename=\"calls.csv\""}}, "a,b\r\n", true},
      // A handler's header of a name already set replaces it, in any case, and moves to its place.
      {200, "text/plain", {{"content-type", "text/html"}, {"X-One", "1"}}, "x", true},
      {200, "text/plain", {{"X-Twice", "a"}, {"X-Other", "b"}, {"x-twice", "c"}}, "x", true},
      {401, "application/json", {{"WWW-Authenticate", "Bearer"}}, "{}", true},
      {404, "application/json", {}, "{}", false},
  };
  for (const auto& c : cases) {
    INFO(c.status << " " << c.content_type);
    CHECK(ours(c.status, c.content_type, c.headers, c.body, c.keep_alive) ==
          beast_head(c.status, c.content_type, c.headers, c.body, c.keep_alive));
  }
}

TEST_CASE("write_head sends no Content-Length with 1xx, 204 and 304, where Beast 1.81 sent 0") {
  // RFC 9110 §8.6: a server MUST NOT send Content-Length in a 1xx or 204 response, and in a 304
  // it would have to be the unsent representation's length. Otherwise the same bytes as Beast.
  for (int status : {101, 204, 304}) {
    INFO(status);
    auto beast = beast_head(status, "application/json", {{"ETag", "\"abc\""}}, "", true);
    const std::string zero = "Content-Length: 0\r\n";
    REQUIRE(beast.find(zero) != std::string::npos);
    beast.erase(beast.find(zero), zero.size());
    CHECK(ours(status, "application/json", {{"ETag", "\"abc\""}}, "", true) == beast);
  }
}

TEST_CASE("write_head keeps CR and LF from names and values off the wire") {
  std::string out;
  write_head(out, 200, "text/plain\r\nX-Injected: 1", {{"X-A\r\n", "v\r\n\r\nbody"}}, 0, true);
  CHECK(out.find("\r\nX-Injected") == std::string::npos);
  CHECK(out.find("\r\n\r\n") == out.size() - 4);  // the head ends once, at its end
  CHECK(out.find("X-A: v") != std::string::npos);
}

TEST_CASE("write_head sets a handler's Content-Length aside for the body's real size") {
  std::string out;
  write_head(out, 200, "text/plain", {{"Content-Length", "999"}}, 5, true);
  CHECK(out.find("Content-Length: 999") == std::string::npos);
  CHECK(out.find("Content-Length: 5\r\n") != std::string::npos);
}
