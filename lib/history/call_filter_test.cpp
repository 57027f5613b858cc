#include "history/call_filter.hpp"

#include <catch2/catch.hpp>

using namespace callrouter;
using namespace callrouter::history;

namespace {

Expected<HistoryQuery> parse(std::vector<QueryParam> params, QueryKind kind = QueryKind::page) {
  return parse_history_query(params, kind, "Asia/Tokyo");
}

HistoryCall call() {
  HistoryCall c;
  c.sid = "CA1";
  c.direction = "inbound";
  c.from = "+819012345678";
  c.to = "+815012345678";
  c.user_id = "u_sato";
  c.group_id = "sales";
  c.flow_id = "main";
  c.started_at = *parse_rfc3339("2026-12-01T00:00:00Z");
  c.outcome = Outcome::abandoned;
  return c;
}

}  // namespace

TEST_CASE("call filter: every filter narrows; missed includes abandoned") {
  auto c = call();
  CHECK(matches(CallFilter{}, c));
  auto q = parse({{"direction", "inbound"}, {"outcome", "missed"}, {"user", "u_sato"}, {"group", "sales"},
                  {"number", "+815012345678"}, {"flow", "main"}, {"q", "90-1234"},
                  {"since", "2026-12-01"}, {"until", "2026-12-01"}});
  REQUIRE(q);
  CHECK(matches(q->filter, c));
  for (const auto& [name, value] : std::vector<QueryParam>{{"direction", "outbound"}, {"outcome", "answered"},
                                                    {"user", "u_kato"}, {"group", "support"},
                                                    {"number", "+815099999999"}, {"flow", "other"},
                                                    {"q", "555"}, {"since", "2026-12-02"}, {"until", "2026-11-30"}}) {
    auto one = parse({{name, value}});
    REQUIRE(one);
    CHECK_FALSE(matches(one->filter, c));
  }
  c.outcome.reset();  // live: no outcome filter matches it
  CHECK_FALSE(matches(parse({{"outcome", "missed"}})->filter, c));
}

TEST_CASE("call filter: dates are days in the zone, until includes its day, times are UTC") {
  auto q = parse({{"since", "2026-12-01"}, {"until", "2026-12-31"}});
  REQUIRE(q);
  CHECK(q->filter.since == parse_rfc3339("2026-11-30T15:00:00Z"));
  CHECK(q->filter.until == parse_rfc3339("2026-12-31T15:00:00Z"));
  auto utc = parse({{"since", "2026-12-01T00:00:00Z"}, {"tz", "UTC"}, {"lang", "ja"}}, QueryKind::csv);
  REQUIRE(utc);
  CHECK(utc->tz == "UTC");
  CHECK(utc->japanese);
  CHECK(parse({{"number", " 815012345678"}})->filter.number == "+815012345678");  // an unescaped +
}

TEST_CASE("call filter: bad values name their parameter") {
  auto error_of = [](std::vector<QueryParam> params, QueryKind kind = QueryKind::page) {
    auto q = parse_history_query(params, kind, "Asia/Tokyo");
    REQUIRE_FALSE(q);
    return q.error();
  };
  CHECK(error_of({{"limit", "0"}}).find("'limit'") != std::string::npos);
  CHECK(error_of({{"limit", "501"}}).find("'limit'") != std::string::npos);
  CHECK(error_of({{"limit", "10x"}}).find("'limit'") != std::string::npos);
  CHECK(error_of({{"direction", "sideways"}}).find("'direction'") != std::string::npos);
  CHECK(error_of({{"outcome", "lost"}}).find("'outcome'") != std::string::npos);
  CHECK(error_of({{"since", "yesterday"}}).find("'since'") != std::string::npos);
  CHECK(error_of({{"since", "2026-12-02"}, {"until", "2026-12-01T00:00:00Z"}}).find("'until'") != std::string::npos);
  CHECK(error_of({{"cursor", "abc"}}).find("'cursor'") != std::string::npos);
  CHECK(error_of({{"q", "abc"}}).find("'q'") != std::string::npos);
  CHECK(error_of({{"q", "--"}}).find("'q'") != std::string::npos);
  CHECK(error_of({{"number", "0312345678"}}).find("'number'") != std::string::npos);
  CHECK(error_of({{"user", ""}}).find("'user'") != std::string::npos);
  CHECK(error_of({{"colour", "red"}}).find("'colour'") != std::string::npos);
  CHECK(error_of({{"tz", "Asia/Tokyo"}}).find("'tz'") != std::string::npos);  // a page has no tz
  CHECK(error_of({{"tz", "Nowhere/Land"}}, QueryKind::csv).find("'tz'") != std::string::npos);
  CHECK(error_of({{"lang", "fr"}}, QueryKind::csv).find("'lang'") != std::string::npos);
  CHECK(error_of({{"limit", "5"}}, QueryKind::csv).find("'limit'") != std::string::npos);  // the whole result
}
