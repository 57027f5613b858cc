#include "workflows/webhook_signature.hpp"

#include <catch2/catch.hpp>

using namespace callrouter::workflows;

// The vector of the Standard Webhooks specification's reference libraries
// (standard-webhooks/libraries, javascript/src/index.test.ts).
TEST_CASE("workflows: signatures match the Standard Webhooks reference vector", "[workflows]") {
  const auto key = decode_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  REQUIRE(key);
  CHECK(sign(*key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, R"({"test": 2432232314})") ==
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST_CASE("workflows: secrets are whsec_ and base64 of 24 to 64 bytes", "[workflows]") {
  CHECK_FALSE(decode_secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
  CHECK_FALSE(decode_secret("whsec_"));
  CHECK_FALSE(decode_secret("whsec_c2hvcnQ="));     // "short"
  CHECK_FALSE(decode_secret("whsec_not base64!!"));
  const auto generated = generate_secret();
  REQUIRE(generated.starts_with("whsec_"));
  CHECK(decode_secret(generated)->size() == 32);
  CHECK(generate_secret() != generated);
}

TEST_CASE("workflows: base64 round-trips every padding length", "[workflows]") {
  for (std::string s : {std::string("a"), std::string("ab"), std::string("abc"), std::string("abcd"), std::string("\0\xff\x10", 3)}) {
    CHECK(base64_decode(base64_encode(s)) == s);
  }
  CHECK(base64_encode("abc") == "YWJj");
  CHECK(base64_encode("ab") == "YWI=");
}
