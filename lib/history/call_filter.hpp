// What GET /v1/calls and GET /v1/calls.csv ask for: the DESIGN §4 filters, the page size and
// cursor, the time zone and language of an export. Parsed from the query's (name, value) pairs
// with an error naming the parameter; `matches` is the one test every listed call passes.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "common/expected.hpp"
#include "common/time.hpp"
#include "history/cursor.hpp"
#include "history/history_call.hpp"
#include "history/outcome.hpp"

namespace callrouter::history {

struct CallFilter {
  std::string direction;  // "inbound" | "outbound" | "" (either)
  std::optional<Outcome> outcome;  // missed also matches abandoned (counts_as_missed)
  std::string user, group, number, flow;  // "" matches any
  std::optional<Timestamp> since;  // started at or after
  std::optional<Timestamp> until;  // started before
  std::string q_digits;            // the digits of q: a part of either party's number
};

bool matches(const CallFilter& filter, const HistoryCall& call);

inline constexpr std::size_t kDefaultPageSize = 50;
inline constexpr std::size_t kMaxPageSize = 500;

struct HistoryQuery {
  CallFilter filter;
  std::size_t limit = kDefaultPageSize;
  std::optional<HistoryPosition> cursor;
  std::string tz;         // IANA name; the org's unless tz= is given
  bool japanese = false;  // lang=ja
};

enum class QueryKind { page, csv };  // csv takes tz and lang, a page takes limit and cursor

using QueryParam = std::pair<std::string, std::string>;
// `org_tz` is the org's zone: since/until given as dates (YYYY-MM-DD) are midnights there, or in
// tz= when given; until as a date includes that whole day. Unknown parameters are refused.
Expected<HistoryQuery> parse_history_query(std::span<const QueryParam> params, QueryKind kind, std::string_view org_tz);

}  // namespace callrouter::history
