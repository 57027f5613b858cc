#include "store/event_records.hpp"

#include <fmt/format.h>

#include <simdjson.h>

#include <charconv>
#include <limits>

namespace callrouter::store {

std::string event_key(std::string_view org_id, std::uint64_t seq) {
  return make_key({org_id, fmt::format("{:020}", seq)});
}

WriteOp put_event(const events::Event& event) {
  return {Cf::events, event_key(event.org_id, event.seq), encode_value(events::to_json(event))};
}

std::uint64_t last_event_seq(const Reader& journal, std::string_view org_id) {
  const auto prefix = make_key({org_id, ""});
  auto key = journal.last_key_with_prefix(Cf::events, prefix);
  if (!key) return 0;
  std::string_view digits(*key);
  digits.remove_prefix(prefix.size());
  std::uint64_t seq = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
  if (ec != std::errc() || p != digits.data() + digits.size()) return 0;
  return seq;
}

std::optional<events::Event> read_event(const Reader& journal, std::string_view org_id, std::uint64_t seq) {
  auto stored = journal.get(Cf::events, event_key(org_id, seq));
  if (!stored) return std::nullopt;
  auto payload = decode_value(*stored);
  if (!payload) return std::nullopt;
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  std::string_view type, at, sid;
  simdjson::dom::element data;
  if (parser.parse(payload->data(), payload->size()).get(o) || o["type"].get(type) || o["at"].get(at) ||
      o["call_sid"].get(sid) || o["data"].get(data)) {
    return std::nullopt;
  }
  auto when = parse_rfc3339(at);
  if (!when) return std::nullopt;
  return events::Event{std::string(org_id), seq, std::string(type), *when, std::string(sid), simdjson::to_string(data)};
}

std::vector<std::string> read_events(const Reader& journal, std::string_view org_id, std::uint64_t after,
                                     std::size_t limit) {
  std::vector<std::string> out;
  if (limit == 0 || after == std::numeric_limits<std::uint64_t>::max()) return out;
  journal.scan_prefix(
      Cf::events, make_key({org_id, ""}),
      [&](std::string_view, std::string_view stored) {
        if (auto payload = decode_value(stored)) out.emplace_back(*payload);
        return out.size() < limit;
      },
      event_key(org_id, after + 1));
  return out;
}

}  // namespace callrouter::store
