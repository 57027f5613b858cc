#include "api/query_count.hpp"

#include <catch2/catch.hpp>

using callrouter::api::query_count;

TEST_CASE("a query count is all digits or absent") {
  CHECK(query_count("", 100) == 100u);
  CHECK(query_count("0", 100) == 0u);
  CHECK(query_count("250", 100) == 250u);
  CHECK(query_count("18446744073709551615", 0) == 18446744073709551615u);
  for (auto bad : {"2abc", "1e3", "-1", "+5", " 5", "5 ", "0x10", "18446744073709551616", "1.0"}) {
    INFO(bad);
    CHECK_FALSE(query_count(bad, 0));
  }
}
