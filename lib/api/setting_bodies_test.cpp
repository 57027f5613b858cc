#include "api/setting_bodies.hpp"

#include <catch2/catch.hpp>

using namespace callrouter;
using namespace callrouter::api;

namespace {

template <class R>
std::string refusal(const R& r) {
  return r ? std::string("accepted") : r.error();
}

}  // namespace

TEST_CASE("one-field bodies: the field required, typed, bounded, nothing else beside it") {
  CHECK(*read_presence_body(R"({"presence":"away"})") == "away");
  CHECK(refusal(read_presence_body(R"({"presence":"busy"})")) == "field 'presence': must be available, away or offline");
  CHECK(refusal(read_presence_body(R"({"presence":1})")) == "field 'presence': must be a string");
  CHECK(refusal(read_presence_body(R"({})")) == "field 'presence': required (available, away or offline)");
  CHECK(refusal(read_presence_body(R"({"presence":null})")) == "field 'presence': required (available, away or offline)");
  CHECK(refusal(read_presence_body(R"({"presence":"away","x":1})")) == "field 'x': unknown field");
  CHECK(refusal(read_presence_body(R"(["away"])")) == "body must be a JSON object");
  CHECK(refusal(read_presence_body("")) == "body must be a JSON object");

  CHECK(*read_caller_id_body(R"({"number":"+815011112222"})") == "+815011112222");
  CHECK(refusal(read_caller_id_body(R"({"number":"+81)" + std::string(40, '1') + R"("})")) ==
        "field 'number': longer than 32 bytes");
  CHECK(refusal(read_caller_id_body(R"({"phone":"+815011112222"})")) == "field 'phone': unknown field");

  CHECK(*read_recording_plan_body(R"({"plan":"rec_10h"})") == "rec_10h");
  CHECK(refusal(read_recording_plan_body(R"({"plan":["rec_10h"]})")) == "field 'plan': must be a string");
}

TEST_CASE("a number's flow: an id, or null / absent for none") {
  CHECK(*read_number_flow_body(R"({"flow_id":"main"})") == "main");
  CHECK(read_number_flow_body(R"({"flow_id":null})")->empty());
  CHECK(read_number_flow_body("{}")->empty());
  CHECK(refusal(read_number_flow_body(R"({"flow_id":7})")) == "field 'flow_id': must be a string");
  CHECK(refusal(read_number_flow_body(R"({"flow":"main"})")) == "field 'flow': unknown field");
}

TEST_CASE("a number purchase names a number, or a country and a type") {
  auto b = read_number_purchase_body(R"({"country":"us","type":"local","area_code":"646"})");
  REQUIRE(b);
  CHECK(b->country == "US");
  CHECK(b->type == "local");
  CHECK(b->area_code == "646");
  CHECK(b->number.empty());
  CHECK(read_number_purchase_body(R"({"number":"+14155550123"})")->number == "+14155550123");
  CHECK(refusal(read_number_purchase_body(R"({"country":"US"})")) == "give a number, or a country and a type");
  CHECK(refusal(read_number_purchase_body(R"({"number":14155550123})")) == "field 'number': must be a string");
  CHECK(refusal(read_number_purchase_body(R"({"number":"+14155550123","price":1})")) == "field 'price': unknown field");
}

TEST_CASE("a top-up: a positive integer amount, an optional non-empty payment id; the refusal's code says which") {
  auto b = read_topup_body(R"({"amount_micro":12500000,"payment_id":"pay-1"})");
  REQUIRE(b);
  CHECK(b->amount_micro == 12'500'000);
  CHECK(b->payment_id == "pay-1");
  CHECK(read_topup_body(R"({"amount_micro":1})")->payment_id.empty());

  auto code = [](std::string_view body) {
    auto r = read_topup_body(body);
    return r ? std::string("accepted") : r.error().code;
  };
  for (auto amount : {"0", "-1", "1.5", "\"100\"", "null", "true", "9223372036854775808"}) {
    CHECK(code(std::string(R"({"amount_micro":)") + amount + "}") == "invalid_amount");
  }
  CHECK(code(R"({"payment_id":"p"})") == "invalid_amount");
  CHECK(code(R"({"amount_micro":1,"payment_id":""})") == "invalid_request");
  CHECK(code(R"({"amount_micro":1,"payment_id":")" + std::string(kMaxPaymentIdBytes + 1, 'p') + "\"}") == "invalid_request");
  CHECK(code(R"({"amount_micro":1,"payment_id":")" + std::string(kMaxPaymentIdBytes, 'p') + "\"}") == "accepted");
  // Whatever the key order, the same refusal: unknown fields first, then the amount.
  CHECK(code(R"({"payment_id":"","amount_micro":0})") == "invalid_amount");
  CHECK(read_topup_body(R"({"amount_micro":0,"memo":"x"})").error().message == "field 'memo': unknown field");
}

TEST_CASE("auto-recharge settings: the fields given over all-off defaults") {
  auto s = read_auto_recharge_body(R"({"enabled":true,"threshold_micro":2000000,"amount_micro":10000000})");
  REQUIRE(s);
  CHECK(s->enabled);
  CHECK(s->threshold_micro == 2'000'000);
  CHECK(s->amount_micro == 10'000'000);
  CHECK(s->monthly_cap_micro == 0);
  CHECK(refusal(read_auto_recharge_body(R"({"enabled":"yes"})")) == "field 'enabled': must be true or false");
  CHECK(refusal(read_auto_recharge_body(R"({"amount_micro":1.5})")) == "field 'amount_micro': must be an integer");
  CHECK(refusal(read_auto_recharge_body(R"({"cap":1})")) == "field 'cap': unknown field");
}
