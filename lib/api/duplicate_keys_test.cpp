#include "api/duplicate_keys.hpp"

#include <catch2/catch.hpp>

using callrouter::api::find_duplicate_key;

TEST_CASE("a key given twice in any object of a body is found, with its path") {
  CHECK(find_duplicate_key(R"({"amount_micro":1,"amount_micro":2})") == "amount_micro");
  CHECK(find_duplicate_key(R"({"name":"a","group_ids":["g"],"name":"b"})") == "name");
  CHECK(find_duplicate_key(R"({"states":[{"id":"a"},{"id":"b","exits":{"next":"a","next":"b"}}]})") ==
        "states[1].exits.next");
  CHECK(find_duplicate_key(R"([{"a":1},{"a":1,"a":2}])") == "[1].a");
  // The empty key is named too (found by the json_bodies fuzz target: the path came out empty).
  CHECK(find_duplicate_key(R"({"name":"x","":false,"":true})") == R"("")");
  CHECK(find_duplicate_key(R"({"":{"id":1,"id":2}})") == R"("".id)");
  // The same key in sibling objects, or as a value, is not a repeat.
  CHECK_FALSE(find_duplicate_key(R"({"a":{"id":1},"b":{"id":1},"c":"a"})"));
  CHECK_FALSE(find_duplicate_key(R"({"amount_micro":1})"));
  // Not JSON: the handler's decoder answers.
  CHECK_FALSE(find_duplicate_key("amount=1&amount=2"));
  CHECK_FALSE(find_duplicate_key(""));
}
