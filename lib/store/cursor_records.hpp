// How consumer cursors are keyed in the `cursors` column family: org, NUL, consumer -> the last
// committed event seq the consumer has handed on (20 digits). A cursor is a hint, never a record.
#pragma once

#include <cstdint>
#include <string_view>

#include "store/reader.hpp"
#include "store/write_set.hpp"

namespace callrouter::store {

WriteOp put_cursor(std::string_view org_id, std::string_view consumer, std::uint64_t seq);

// 0 when the consumer has handed on nothing of the org yet.
std::uint64_t read_cursor(const Reader& journal, std::string_view org_id, std::string_view consumer);

}  // namespace callrouter::store
