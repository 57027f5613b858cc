// Writes that add into a stored value instead of replacing it (WriteOp::merge): which column
// families take them and how two values combine. The journal's merge operator and MemoryStore
// both call this, so tests and the disk add up the same way.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "store/write_set.hpp"

namespace callrouter::store {

bool merges_values(Cf cf);
// `existing` combined with `operand`; none when either is not a value of that family.
std::optional<std::string> merge_values(Cf cf, std::string_view existing, std::string_view operand);

}  // namespace callrouter::store
