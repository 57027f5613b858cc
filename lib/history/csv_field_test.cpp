#include "history/csv_field.hpp"

#include <catch2/catch.hpp>

using namespace callrouter::history;

namespace {
std::string cell(std::string_view text) {
  std::string out;
  append_csv_text(out, text);
  return out;
}
}  // namespace

TEST_CASE("csv field: plain text as it is; RFC 4180 quoting only where needed") {
  CHECK(cell("CA123") == "CA123");
  CHECK(cell("佐藤 花子") == "佐藤 花子");
  CHECK(cell("a,b") == "\"a,b\"");
  CHECK(cell("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(cell("two\r\nlines") == "\"two\r\nlines\"");
  CHECK(cell("\"") == "\"\"\"\"");
  CHECK(cell("") == "");
}

TEST_CASE("csv field: text a spreadsheet would run as a formula gets an apostrophe") {
  CHECK(cell("=HYPERLINK(\"http://x\")") == "\"'=HYPERLINK(\"\"http://x\"\")\"");
  CHECK(cell("+819012345678") == "'+819012345678");  // a phone number stays text
  CHECK(cell("-1") == "'-1");
  CHECK(cell("@SUM(A1)") == "'@SUM(A1)");
  CHECK(cell("\tx") == "'\tx");
  CHECK(cell("\rx") == "\"'\rx\"");
  CHECK(cell("a=b") == "a=b");  // only the first character matters
}

TEST_CASE("csv field: numbers we computed are digits") {
  std::string out;
  append_csv_number(out, 0);
  out.push_back(',');
  append_csv_number(out, -42);
  out.push_back(',');
  append_csv_number(out, 9'223'372'036'854'775'807);
  CHECK(out == "0,-42,9223372036854775807");
}
