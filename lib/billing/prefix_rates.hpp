// Per-minute outbound rates keyed by E.164 destination prefix, longest prefix wins
// ("44" landline vs "447" mobile). Built once from the rate card, then read-only and lock-free.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace callrouter::billing {

class PrefixRates {
 public:
  struct Match {
    std::string_view prefix;
    std::int64_t per_minute_micro = 0;
  };

  // False when the prefix is already present (the rate card rejects duplicates).
  bool add(std::string prefix, std::int64_t per_minute_micro);
  // `digits`: the E.164 number without '+'. Sorted vector, binary search per candidate length,
  // longest first: at most 15 searches, no allocation.
  std::optional<Match> find(std::string_view digits) const;
  std::size_t size() const { return rates_.size(); }

 private:
  std::vector<std::pair<std::string, std::int64_t>> rates_;  // sorted by prefix
  std::size_t max_length_ = 0;
};

}  // namespace callrouter::billing
