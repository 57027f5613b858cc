// Reads the TwiML the daemon answers into verbs the simulator executes: a small XML reader for
// what TwiML uses (elements, attributes, text, the five entities), strict enough to flag a
// document the provider would refuse (error 12100).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace callrouter::sim {

struct TwimlVerb {
  std::string name;  // "Say", "Dial", "Client", …
  std::vector<std::pair<std::string, std::string>> attributes;
  std::string text;  // character data (Say text, Client identity, Queue name, …)
  std::vector<TwimlVerb> children;

  std::string_view attr(std::string_view key, std::string_view fallback = {}) const {
    for (const auto& [k, v] : attributes) {
      if (k == key) return v;
    }
    return fallback;
  }
  int int_attr(std::string_view key, int fallback) const;
};

struct TwimlParse {
  std::vector<TwimlVerb> verbs;  // the children of <Response>
  std::string error;             // non-empty: not a valid TwiML document
};

TwimlParse parse_twiml(std::string_view document);

}  // namespace callrouter::sim
