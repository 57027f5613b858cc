#include "history/outcome.hpp"

#include <array>
#include <utility>

namespace callrouter::history {
namespace {

constexpr std::array<std::pair<Outcome, std::string_view>, 7> kNames{{
    {Outcome::answered, "answered"},
    {Outcome::missed, "missed"},
    {Outcome::abandoned, "abandoned"},
    {Outcome::voicemail, "voicemail"},
    {Outcome::rejected, "rejected"},
    {Outcome::failed, "failed"},
    {Outcome::unanswered, "unanswered"},
}};

}  // namespace

std::string_view outcome_name(Outcome outcome) {
  for (const auto& [o, name] : kNames) {
    if (o == outcome) return name;
  }
  return "missed";
}

std::optional<Outcome> parse_outcome(std::string_view name) {
  for (const auto& [o, n] : kNames) {
    if (n == name) return o;
  }
  return std::nullopt;
}

std::optional<Outcome> classify(const OutcomeFacts& f) {
  if (!f.ended) return std::nullopt;
  if (f.connected) return Outcome::answered;
  if (f.voicemail) return Outcome::voicemail;
  if (f.inbound && f.abandoned_in_queue) return Outcome::abandoned;
  if (f.missed) return Outcome::missed;
  // The disposition is the provider's final word; it says answered for a flow that played to a
  // caller nobody took (docs/events.md), so it decides only what no event says.
  if (f.disposition == "rejected") return Outcome::rejected;
  if (f.disposition == "failed") return Outcome::failed;
  if (f.inbound) return Outcome::missed;
  return Outcome::unanswered;
}

bool counts_as_missed(Outcome outcome) { return outcome == Outcome::missed || outcome == Outcome::abandoned; }

}  // namespace callrouter::history
