#include "billing/prefix_rates.hpp"

#include <algorithm>

namespace callrouter::billing {
namespace {

struct ByPrefix {
  bool operator()(const std::pair<std::string, std::int64_t>& a, std::string_view b) const { return a.first < b; }
};

}  // namespace

bool PrefixRates::add(std::string prefix, std::int64_t per_minute_micro) {
  auto it = std::lower_bound(rates_.begin(), rates_.end(), std::string_view(prefix), ByPrefix{});
  if (it != rates_.end() && it->first == prefix) return false;
  max_length_ = std::max(max_length_, prefix.size());
  rates_.insert(it, {std::move(prefix), per_minute_micro});
  return true;
}

std::optional<PrefixRates::Match> PrefixRates::find(std::string_view digits) const {
  for (std::size_t len = std::min(max_length_, digits.size()); len > 0; --len) {
    auto candidate = digits.substr(0, len);
    auto it = std::lower_bound(rates_.begin(), rates_.end(), candidate, ByPrefix{});
    if (it != rates_.end() && it->first == candidate) return Match{it->first, it->second};
  }
  return std::nullopt;
}

}  // namespace callrouter::billing
