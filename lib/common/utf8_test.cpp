#include "common/utf8.hpp"

#include <catch2/catch.hpp>

using callrouter::to_valid_utf8;
using callrouter::valid_utf8;

TEST_CASE("valid UTF-8 passes unchanged; each ill-formed subpart becomes one U+FFFD", "[utf8]") {
  const std::string fffd = "\xEF\xBF\xBD";
  CHECK(valid_utf8(""));
  CHECK(valid_utf8("+819012345678"));
  CHECK(valid_utf8("佐藤 太郎 \xF0\x9F\x93\x9E"));  // CJK and a 4-byte emoji
  CHECK(to_valid_utf8("佐藤") == "佐藤");

  CHECK_FALSE(valid_utf8("+81\xFF" "90"));
  CHECK(to_valid_utf8("+81\xFF" "90") == "+81" + fffd + "90");
  // A truncated sequence is one subpart, then what follows is read again.
  CHECK(to_valid_utf8("a\xE4\xBD" "b") == "a" + fffd + "b");
  CHECK(to_valid_utf8("\xE4\xBD") == fffd);
  // Overlong forms, surrogates and code points past U+10FFFF are ill-formed.
  CHECK(to_valid_utf8("\xC0\xAF") == fffd + fffd);
  CHECK(to_valid_utf8("\xE0\x80\xAF") == fffd + fffd + fffd);
  CHECK(to_valid_utf8("\xED\xA0\x80") == fffd + fffd + fffd);
  CHECK(to_valid_utf8("\xF4\x90\x80\x80") == fffd + fffd + fffd + fffd);
  CHECK(to_valid_utf8("\xF0\x9F\x93") == fffd);
  // Same answers as Python's bytes.decode("utf-8", "replace") for these (Unicode §3.9 practice).
  CHECK(to_valid_utf8("\x80\x80") == fffd + fffd);
  CHECK(valid_utf8(to_valid_utf8("\xFE\xFF\xC3")));
}
