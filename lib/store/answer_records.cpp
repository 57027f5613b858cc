#include "store/answer_records.hpp"

#include <fmt/format.h>

#include "store/big_endian.hpp"
#include "store/journal.hpp"

namespace callrouter::store {

std::string answer_key(std::string_view org_id, std::string_view kind, std::string_view id) {
  return make_key({org_id, kind, id});
}

std::string encode_answer_value(std::string_view payload, Timestamp stored_at) {
  std::string v;
  v.reserve(9 + payload.size());
  v.push_back(kAnswerValueVersion);
  append_be64(v, static_cast<std::uint64_t>(stored_at.time_since_epoch().count()));
  v.append(payload);
  return v;
}

std::optional<AnswerValue> decode_answer_value(std::string_view stored) {
  if (!stored.empty() && stored[0] == kAnswerValueVersion) {
    if (stored.size() < 9) return std::nullopt;
    const auto us = static_cast<std::int64_t>(read_be64(stored.substr(1)));
    return AnswerValue{Timestamp{std::chrono::microseconds(us)}, stored.substr(9)};
  }
  auto v1 = decode_value(stored);
  if (!v1) return std::nullopt;
  return AnswerValue{std::nullopt, *v1};
}

std::string redirect_answer_id(std::string_view call_sid, int visit) { return fmt::format("{}/{}", call_sid, visit); }

}  // namespace callrouter::store
