// Where workflow webhooks may go: http(s) URLs to public hosts. Loopback, link-local, private and
// other non-public ranges are refused (SSRF: a rule must not make the daemon probe the operator's
// own network) unless the operator sets workflows.allow_private_networks.
#pragma once

#include <string>
#include <string_view>

#include "common/expected.hpp"

namespace callrouter::workflows {

inline constexpr std::size_t kMaxUrlBytes = 2048;

// Checked when a rule is saved: the shape, and the host when it is an address literal or a
// localhost name. Names are checked again once resolved, at every attempt (DNS can change).
Expected<Ok> check_webhook_url(std::string_view url, bool allow_private_networks);

// An IPv4 or IPv6 address in text form that is not public: loopback, unspecified, private
// (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16, fe80::/10), CGNAT (100.64/10),
// multicast, broadcast, reserved, and IPv4-mapped/compatible forms of those. Unparsable: true.
bool is_non_public_address(std::string_view ip);

// "https://crm.example:8443/x" → "https://crm.example:8443": the scheme and authority, which is
// what per-endpoint limits and per-call ordering key on.
std::string url_origin(std::string_view url);

}  // namespace callrouter::workflows
