#include <catch2/catch.hpp>

#include "common/json_writer.hpp"
#include "common/time.hpp"

using namespace callrouter;

TEST_CASE("json writer nests and escapes") {
  JsonWriter w;
  w.begin_object()
      .field("a", "x\"y\\z\n\x01")
      .key("list")
      .begin_array()
      .value(std::int64_t{-3})
      .value(true)
      .null()
      .begin_object()
      .end_object()
      .end_array()
      .key("raw")
      .raw(R"({"k":1})")
      .end_object();
  CHECK(w.str() == R"({"a":"x\"y\\z\n\u0001","list":[-3,true,null,{}],"raw":{"k":1}})");
}

TEST_CASE("rfc3339 round trip") {
  using namespace std::chrono;
  Timestamp t = Timestamp(sys_days(2026y / 11 / 23) + hours(20) + minutes(27) + seconds(5));
  CHECK(format_rfc3339(t) == "2026-11-23T20:27:05Z");
  CHECK(parse_rfc3339("2026-11-23T20:27:05Z") == t);
  CHECK(format_rfc3339(t + microseconds(1500)) == "2026-11-23T20:27:05.001500Z");
  CHECK(parse_rfc3339("2026-11-23T20:27:05.0015Z") == t + microseconds(1500));
  CHECK_FALSE(parse_rfc3339("2026-13-01T00:00:00Z"));
  CHECK_FALSE(parse_rfc3339("yesterday"));
  CHECK_FALSE(parse_rfc3339("2026-11-23T20:27:05+09:00"));
}
