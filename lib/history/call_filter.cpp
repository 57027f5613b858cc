#include "history/call_filter.hpp"

#include <fmt/format.h>

#include <charconv>

#include "history/local_time.hpp"

namespace callrouter::history {
namespace {

std::string digits_of(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c >= '0' && c <= '9') out.push_back(c);
  }
  return out;
}

bool contains_digits(std::string_view number, std::string_view digits) {
  return digits_of(number).find(digits) != std::string::npos;
}

auto bad(std::string_view param, std::string_view why) {
  return unexpected(fmt::format("query '{}': {}", param, why));
}

bool plain_id(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  for (unsigned char c : s) {
    if (c < 0x21 || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

bool matches(const CallFilter& f, const HistoryCall& c) {
  if (!f.direction.empty() && c.direction != f.direction) return false;
  if (f.outcome) {
    if (!c.outcome) return false;
    const bool hit = *c.outcome == *f.outcome || (*f.outcome == Outcome::missed && counts_as_missed(*c.outcome));
    if (!hit) return false;
  }
  if (!f.user.empty() && c.user_id != f.user) return false;
  if (!f.group.empty() && c.group_id != f.group) return false;
  if (!f.number.empty() && c.our_number() != f.number) return false;
  if (!f.flow.empty() && c.flow_id != f.flow) return false;
  if (f.since && c.started_at < *f.since) return false;
  if (f.until && c.started_at >= *f.until) return false;
  if (!f.q_digits.empty() && !contains_digits(c.from, f.q_digits) && !contains_digits(c.to, f.q_digits)) return false;
  return true;
}

Expected<HistoryQuery> parse_history_query(std::span<const QueryParam> params, QueryKind kind, std::string_view org_tz) {
  HistoryQuery q;
  q.tz = org_tz.empty() ? "UTC" : std::string(org_tz);
  // tz first: dates in since/until are read in it.
  for (const auto& [name, value] : params) {
    if (name != "tz") continue;
    if (kind != QueryKind::csv) return bad(name, "only for calls.csv");
    if (!LocalClock::in_zone(value)) return bad(name, "must be an IANA time zone such as Asia/Tokyo");
    q.tz = value;
  }
  auto clock = LocalClock::in_zone(q.tz);
  if (!clock) clock = LocalClock::in_zone("UTC");  // an org saved with a zone this tz database lacks

  // A time as RFC 3339 UTC, or a date in the zone (an `until` date includes its day).
  auto read_time = [&](const std::string& value, bool end_of_day) -> std::optional<Timestamp> {
    if (auto t = parse_rfc3339(value)) return t;
    auto midnight = clock->midnight_of(value);
    if (!midnight || !end_of_day) return midnight;
    // The next day's midnight (36 h later is always within the next day, DST or not).
    return clock->midnight_of(clock->date_of(*midnight + std::chrono::hours(36)));
  };

  for (const auto& [name, value] : params) {
    if (name == "tz") continue;
    if (name == "direction") {
      if (value != "inbound" && value != "outbound") return bad(name, "must be inbound or outbound");
      q.filter.direction = value;
    } else if (name == "outcome") {
      q.filter.outcome = parse_outcome(value);
      if (!q.filter.outcome) {
        return bad(name, "must be answered, missed, voicemail, abandoned, rejected, failed or unanswered");
      }
    } else if (name == "user" || name == "group" || name == "flow") {
      if (!plain_id(value)) return bad(name, "must be an id (1 to 128 visible characters)");
      (name == "user" ? q.filter.user : name == "group" ? q.filter.group : q.filter.flow) = value;
    } else if (name == "number") {
      // A '+' sent unescaped in a query decodes to a space.
      std::string number = value.starts_with(' ') ? "+" + value.substr(1) : value;
      if (number.size() < 2 || number[0] != '+' || number.size() > 17 || digits_of(number).size() != number.size() - 1) {
        return bad(name, "must be an E.164 number such as +815012345678 (send + as %2B)");
      }
      q.filter.number = number;
    } else if (name == "since" || name == "until") {
      auto t = read_time(value, name == "until");
      if (!t) return bad(name, "must be an RFC 3339 UTC time (2026-12-01T00:00:00Z) or a date (2026-12-01)");
      (name == "since" ? q.filter.since : q.filter.until) = t;
    } else if (name == "q") {
      if (value.size() > 32) return bad(name, "must be at most 32 characters");
      for (char c : value) {
        if (!((c >= '0' && c <= '9') || c == '+' || c == ' ' || c == '-' || c == '(' || c == ')' || c == '.')) {
          return bad(name, "must be a phone number or a part of one (digits, + - ( ) . and spaces)");
        }
      }
      q.filter.q_digits = digits_of(value);
      if (q.filter.q_digits.empty()) return bad(name, "must contain a digit");
    } else if (name == "limit" && kind == QueryKind::page) {
      std::size_t n = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || p != value.data() + value.size() || n == 0 || n > kMaxPageSize) {
        return bad(name, fmt::format("must be 1..{}", kMaxPageSize));
      }
      q.limit = n;
    } else if (name == "cursor" && kind == QueryKind::page) {
      q.cursor = decode_cursor(value);
      if (!q.cursor) return bad(name, "is not a cursor this server gave out");
    } else if (name == "lang" && kind == QueryKind::csv) {
      if (value != "en" && value != "ja") return bad(name, "must be en or ja");
      q.japanese = value == "ja";
    } else {
      return bad(name, "unknown parameter");
    }
  }
  if (q.filter.since && q.filter.until && *q.filter.until <= *q.filter.since) return bad("until", "must be after since");
  return q;
}

}  // namespace callrouter::history
