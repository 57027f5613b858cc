// The status line and headers of an answer, written into a reused buffer: what Beast's
// serializer would send for the same response (the unit test holds them byte for byte), without
// building a header container per request.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace callrouter::server {

// HTTP/1.1 `status`, then Server, Content-Type and `headers` in order (a repeated name, in any
// case, replaces the earlier one and moves to its place, as basic_fields::set does), then
// `Connection: close` unless `keep_alive`, then Content-Length (none for 1xx, 204 and 304). CR and
// LF never reach the wire from a name or value. Replaces what `out` held.
void write_head(std::string& out, int status, std::string_view content_type,
                const std::vector<std::pair<std::string, std::string>>& headers, std::size_t content_length,
                bool keep_alive);

}  // namespace callrouter::server
