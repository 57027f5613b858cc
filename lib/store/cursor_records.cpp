#include "store/cursor_records.hpp"

#include <fmt/format.h>

#include <charconv>

#include "store/journal.hpp"

namespace callrouter::store {

WriteOp put_cursor(std::string_view org_id, std::string_view consumer, std::uint64_t seq) {
  return {Cf::cursors, make_key({org_id, consumer}), encode_value(fmt::format("{:020}", seq))};
}

std::uint64_t read_cursor(const Reader& journal, std::string_view org_id, std::string_view consumer) {
  auto stored = journal.get(Cf::cursors, make_key({org_id, consumer}));
  if (!stored) return 0;
  auto digits = decode_value(*stored);
  if (!digits) return 0;
  std::uint64_t seq = 0;
  auto [p, ec] = std::from_chars(digits->data(), digits->data() + digits->size(), seq);
  if (ec != std::errc() || p != digits->data() + digits->size()) return 0;
  return seq;
}

}  // namespace callrouter::store
