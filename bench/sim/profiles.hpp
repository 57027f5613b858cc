// How simulated people behave: callers (menu choice, patience in a queue, voicemail length) and
// agents (answer, decline or let it ring; ring and talk times). Durations are in call seconds,
// which the scenario scales to real time.
#pragma once

#include <random>
#include <string>

namespace callrouter::sim {

struct CallerProfile {
  double press_sales = 0.6;    // presses "1"
  double press_support = 0.25; // presses "2"; otherwise stays silent until the menu times out
  double patience_s = 120;     // hangs up after this long in a queue
  double message_s = 8;        // voicemail length
};

struct AgentProfile {
  double answer = 0.85;  // picks up; `decline` declines; otherwise lets it ring out
  double decline = 0.05;
  double ring_min_s = 1, ring_max_s = 4;
  double talk_min_s = 20, talk_max_s = 60;
  double away_return_s = 30;  // after an auto-away, comes back available this much later
};

enum class AgentChoice { answer, decline, ignore };

inline double uniform(std::mt19937_64& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}
inline double chance(std::mt19937_64& rng) { return uniform(rng, 0, 1); }

inline AgentChoice choose(const AgentProfile& p, std::mt19937_64& rng) {
  const double x = chance(rng);
  if (x < p.answer) return AgentChoice::answer;
  if (x < p.answer + p.decline) return AgentChoice::decline;
  return AgentChoice::ignore;
}

inline std::string menu_digits(const CallerProfile& p, std::mt19937_64& rng) {
  const double x = chance(rng);
  if (x < p.press_sales) return "1";
  if (x < p.press_sales + p.press_support) return "2";
  return "";
}

}  // namespace callrouter::sim
