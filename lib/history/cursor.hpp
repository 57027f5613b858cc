// The opaque `cursor` of GET /v1/calls: where the previous page stopped in the newest-first order
// (a call's start time and CallSid). The next page starts strictly after it, so calls that arrive
// meanwhile (newer, so above the cursor) never push a call into a second page or out of all pages.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/time.hpp"

namespace callrouter::history {

struct HistoryPosition {
  Timestamp started_at{};
  std::string sid;
  friend bool operator==(const HistoryPosition&, const HistoryPosition&) = default;
};

std::string encode_cursor(const HistoryPosition& at);
// None for anything encode_cursor did not make (wrong version, length, characters).
std::optional<HistoryPosition> decode_cursor(std::string_view cursor);

}  // namespace callrouter::history
