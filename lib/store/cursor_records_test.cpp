#include "store/cursor_records.hpp"

#include <catch2/catch.hpp>

#include "store/journal.hpp"
#include "store/memory_store.hpp"

using namespace callrouter::store;

TEST_CASE("a consumer's cursor is per org, starts at 0 and reads back what was put") {
  MemoryStore journal;
  CHECK(read_cursor(journal, "demo", "nats") == 0);
  journal.apply({put_cursor("demo", "nats", 1042), put_cursor("acme", "nats", 7)});
  CHECK(read_cursor(journal, "demo", "nats") == 1042);
  CHECK(read_cursor(journal, "acme", "nats") == 7);
  CHECK(read_cursor(journal, "demo", "other") == 0);  // another consumer's cursor is its own
  journal.apply({put_cursor("demo", "nats", 18446744073709551615ull)});
  CHECK(read_cursor(journal, "demo", "nats") == 18446744073709551615ull);
}

TEST_CASE("a cursor's key is org first, so one org's records stay contiguous") {
  auto op = put_cursor("demo", "nats", 5);
  CHECK(op.cf == Cf::cursors);
  CHECK(op.key == std::string("demo\0nats", 9));
  CHECK(op.value == encode_value("00000000000000000005"));
}

TEST_CASE("an unreadable cursor reads as 0: published again from the start, never a gap") {
  MemoryStore journal;
  journal.apply({{Cf::cursors, make_key({"demo", "nats"}), encode_value("12x")}});
  CHECK(read_cursor(journal, "demo", "nats") == 0);
  journal.apply({{Cf::cursors, make_key({"demo", "nats"}), std::string("\x09" "5")}});  // unknown version
  CHECK(read_cursor(journal, "demo", "nats") == 0);
}
