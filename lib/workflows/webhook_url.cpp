#include "workflows/webhook_url.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <string>

namespace callrouter::workflows {
namespace {

struct Parts {
  std::string_view scheme, host, port;
};

bool split(std::string_view url, Parts& out) {
  auto colon = url.find("://");
  if (colon == std::string_view::npos) return false;
  out.scheme = url.substr(0, colon);
  auto rest = url.substr(colon + 3);
  auto authority = rest.substr(0, std::min(rest.find_first_of("/?#"), rest.size()));
  if (authority.find('@') != std::string_view::npos) return false;  // no credentials in URLs
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return false;
    out.host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) return false;
    out.port = after.empty() ? after : after.substr(1);
  } else {
    auto c = authority.rfind(':');
    out.host = authority.substr(0, c);
    out.port = c == std::string_view::npos ? std::string_view{} : authority.substr(c + 1);
  }
  if (!out.port.empty() && (out.port.size() > 5 || !std::all_of(out.port.begin(), out.port.end(), ::isdigit))) {
    return false;
  }
  if (!out.port.empty() && (std::stoi(std::string(out.port)) == 0 || std::stoi(std::string(out.port)) > 65535)) return false;
  return !out.host.empty();
}

bool v4_non_public(const unsigned char a[4]) {
  const unsigned b0 = a[0], b1 = a[1];
  return b0 == 0 || b0 == 10 || b0 == 127 || (b0 == 100 && (b1 & 0xc0) == 64) || (b0 == 169 && b1 == 254) ||
         (b0 == 172 && (b1 & 0xf0) == 16) || (b0 == 192 && b1 == 168) || (b0 == 192 && b1 == 0 && a[2] == 0) ||
         (b0 == 198 && (b1 & 0xfe) == 18) || b0 >= 224;
}

}  // namespace

bool is_non_public_address(std::string_view ip) {
  std::string text(ip.substr(0, 64));
  if (auto zone = text.find('%'); zone != std::string::npos) text.resize(zone);  // fe80::1%eth0
  unsigned char a[16];
  if (inet_pton(AF_INET, text.c_str(), a) == 1) return v4_non_public(a);
  if (inet_pton(AF_INET6, text.c_str(), a) != 1) return true;
  static constexpr unsigned char kZero[10] = {};
  const bool first80_zero = std::memcmp(a, kZero, 10) == 0;
  if (first80_zero && a[10] == 0xff && a[11] == 0xff) return v4_non_public(a + 12);  // ::ffff:a.b.c.d
  if (first80_zero && a[10] == 0 && a[11] == 0) {
    // ::, ::1 and the deprecated IPv4-compatible ::a.b.c.d
    return a[12] == 0 || v4_non_public(a + 12);
  }
  if ((a[0] & 0xfe) == 0xfc) return true;                  // fc00::/7 unique local
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return true;  // fe80::/10 link-local
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) return true;  // fec0::/10 site-local (deprecated)
  if (a[0] == 0xff) return true;                           // multicast
  if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) return true;  // documentation
  if (a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b) return v4_non_public(a + 12);  // NAT64
  return false;
}

Expected<Ok> check_webhook_url(std::string_view url, bool allow_private_networks) {
  if (url.empty() || url.size() > kMaxUrlBytes) return unexpected(std::string("must be an http(s) URL of at most 2048 bytes"));
  for (unsigned char c : url) {
    if (c <= 0x20 || c >= 0x7f) return unexpected(std::string("must not contain spaces or control characters"));
  }
  Parts p;
  if (!split(url, p) || (p.scheme != "https" && p.scheme != "http")) {
    return unexpected(std::string("must be an http:// or https:// URL with a host"));
  }
  if (allow_private_networks) return Ok{};
  std::string host(p.host);
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
  while (host.ends_with('.')) host.pop_back();
  const bool literal = host.find_first_not_of("0123456789.") == std::string::npos || host.find(':') != std::string::npos;
  if (host == "localhost" || host.ends_with(".localhost") || host.ends_with(".local") || host.ends_with(".internal") ||
      (literal && is_non_public_address(host))) {
    return unexpected(std::string("points at a loopback, link-local or private address (refused unless the operator "
                                  "sets workflows.allow_private_networks)"));
  }
  return Ok{};
}

std::string url_origin(std::string_view url) {
  auto colon = url.find("://");
  if (colon == std::string_view::npos) return std::string(url);
  auto end = url.find_first_of("/?#", colon + 3);
  return std::string(url.substr(0, end));
}

}  // namespace callrouter::workflows
