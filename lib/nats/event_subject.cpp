#include "nats/event_subject.hpp"

#include <fmt/format.h>

#include <charconv>

namespace callrouter::nats {

std::string event_subject(std::string_view org_id, std::string_view event_type) {
  return fmt::format("callrouter.events.{}.{}", org_id, event_type);
}

std::string event_msg_id(std::string_view org_id, std::uint64_t seq) { return fmt::format("{}:{}", org_id, seq); }

std::optional<std::pair<std::string, std::uint64_t>> parse_event_msg_id(std::string_view msg_id) {
  auto colon = msg_id.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == msg_id.size()) return std::nullopt;
  auto digits = msg_id.substr(colon + 1);
  std::uint64_t seq = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
  if (ec != std::errc() || p != digits.data() + digits.size() || seq == 0) return std::nullopt;
  return std::pair{std::string(msg_id.substr(0, colon)), seq};
}

}  // namespace callrouter::nats
