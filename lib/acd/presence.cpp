#include "acd/presence.hpp"

#include <array>

namespace callrouter::acd {

namespace {
constexpr std::array<std::string_view, 5> kNames{"available", "on_call", "wrap_up", "away", "offline"};
}

std::string_view presence_name(Presence presence) { return kNames[static_cast<std::size_t>(presence)]; }

std::optional<Presence> parse_presence(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<Presence>(i);
  }
  return std::nullopt;
}

}  // namespace callrouter::acd
