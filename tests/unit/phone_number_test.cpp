#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "common/phone_number.hpp"

using namespace callrouter;

TEST_CASE("valid numbers give their country and type", "[phone_number][billing]") {
  auto us = parse_e164("+12015550123");
  REQUIRE(us);
  CHECK(us->region == "US");
  CHECK(us->country_code == 1);
  CHECK(us->e164 == "+12015550123");
  CHECK(us->valid);
  CHECK(us->type == PhoneNumberType::fixed_line_or_mobile);

  auto jp = parse_e164("+815012345678");  // the demo org's 050 number
  REQUIRE(jp);
  CHECK(jp->region == "JP");
  CHECK(jp->type == PhoneNumberType::voip);
  auto jp_mobile = parse_e164("+819012345678");
  REQUIRE(jp_mobile);
  CHECK(jp_mobile->type == PhoneNumberType::mobile);

  auto gb = parse_e164("+447400123456");
  REQUIRE(gb);
  CHECK(gb->region == "GB");
  CHECK(gb->type == PhoneNumberType::mobile);
  auto gb_landline = parse_e164("+442071838750");
  REQUIRE(gb_landline);
  CHECK(gb_landline->type == PhoneNumberType::fixed_line);

  auto toll_free = parse_e164("+18005550199");
  REQUIRE(toll_free);
  CHECK(toll_free->type == PhoneNumberType::toll_free);
}

TEST_CASE("Chinese numbers are recognised as CN", "[phone_number][billing]") {
  CHECK(country_of("+8613812345678") == "CN");
  CHECK(country_of("+861012345678") == "CN");
}

TEST_CASE("non-E.164 and garbage input are refused with a code", "[phone_number][billing]") {
  for (std::string_view s : {"", "+", "14155550100", "+1 415 555 0100", "+1-415-555-0100", "(415) 555-0100",
                             "+1415555010O", "+0123456789", "+1234567890123456", "tel:+14155550100", "\xff\xfe",
                             "+14155550100\n", "++14155550100"}) {
    INFO(s);
    auto r = parse_e164(s);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "not_e164");
  }
  auto invalid = parse_e164("+10000000000");  // E.164 shape, but no such US number
  REQUIRE_FALSE(invalid);
  CHECK(invalid.error().code == "invalid_number");
  CHECK(parse_e164("+99912345678").error().code != "");  // unassigned calling code
  CHECK(country_of("+10000000000").empty());
}

TEST_CASE("parsing is safe from several threads", "[phone_number][billing]") {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (parse_e164("+442071838750") && !parse_e164("+10000000000")) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok == 800);
}
