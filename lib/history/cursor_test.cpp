#include "history/cursor.hpp"

#include <catch2/catch.hpp>

using namespace callrouter;
using namespace callrouter::history;
using namespace std::chrono_literals;

TEST_CASE("cursor: round-trips a position") {
  HistoryPosition at{Timestamp{} + 1'800'000'000'123'456us, "CA0123456789abcdef0123456789abcdef"};
  auto text = encode_cursor(at);
  CHECK(text.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(decode_cursor(text) == at);
}

TEST_CASE("cursor: refuses what it did not make") {
  HistoryPosition at{Timestamp{} + 5s, "CA1"};
  auto text = encode_cursor(at);
  CHECK_FALSE(decode_cursor(""));
  CHECK_FALSE(decode_cursor("zz"));
  CHECK_FALSE(decode_cursor(text.substr(1)));          // odd length
  CHECK_FALSE(decode_cursor("02" + text.substr(2)));   // another version
  CHECK_FALSE(decode_cursor(text.substr(0, 18)));      // no sid
  auto upper = text;
  upper[4] = 'A';
  CHECK_FALSE(decode_cursor(upper));                   // hex is lower case
  CHECK_FALSE(decode_cursor(text + "00"));             // a NUL in the sid
  CHECK_FALSE(decode_cursor("01ffffffffffffffff4341"));  // a time past the end of Timestamp
}
