// Tests for X-Twilio-Signature against the published vectors and values from python3-twilio.
#include <simdjson.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <string>
#include <vector>

#include "provider/twilio/form.hpp"
#include "provider/twilio/signature.hpp"
#include "provider/twilio/signature_settings.hpp"

#ifndef CALLROUTER_SOURCE_DIR
#error "CALLROUTER_SOURCE_DIR must name the checkout (the test binary defines it)"
#endif

using callrouter::twilio::compute_signature;
using callrouter::twilio::Form;
using callrouter::twilio::FormParam;
using callrouter::twilio::parse_form;
using callrouter::twilio::sha256_hex;
using callrouter::twilio::validate_json_signature;
using callrouter::twilio::validate_signature;

namespace {

struct Vector {
  std::string name;
  std::string url;
  Form params;
  std::string signature;
  bool is_json = false;
  std::string body;
  std::string body_sha256_hex;
  std::vector<std::string> valid_urls;
};

struct Vectors {
  std::string auth_token;
  std::vector<Vector> cases;
};

const Vectors& vectors() {
  static const Vectors loaded = [] {
    Vectors out;
    simdjson::dom::parser parser;
    simdjson::dom::element root =
        parser.load(CALLROUTER_SOURCE_DIR "/tests/data/twilio-signature-vectors.json");
    out.auth_token = std::string(std::string_view(root["auth_token"]));
    for (simdjson::dom::element c : simdjson::dom::array(root["cases"])) {
      Vector v;
      v.name = std::string(std::string_view(c["name"]));
      v.url = std::string(std::string_view(c["url"]));
      v.signature = std::string(std::string_view(c["signature"]));
      for (auto field : simdjson::dom::object(c["params"])) {
        if (field.value.is_array()) {  // a repeated parameter
          for (simdjson::dom::element item : simdjson::dom::array(field.value)) {
            v.params.params.push_back(
                {std::string(field.key), std::string(std::string_view(item))});
          }
        } else {
          v.params.params.push_back(
              {std::string(field.key), std::string(std::string_view(field.value))});
        }
      }
      std::string_view body;
      if (c["body"].get(body) == simdjson::SUCCESS) {
        v.is_json = true;
        v.body = std::string(body);
        v.body_sha256_hex = std::string(std::string_view(c["body_sha256_hex"]));
      }
      for (simdjson::dom::element u : simdjson::dom::array(c["valid_urls"])) {
        v.valid_urls.emplace_back(std::string_view(u));
      }
      out.cases.push_back(std::move(v));
    }
    return out;
  }();
  return loaded;
}

// `url` with its port set to `port` (added when it has none).
std::string with_port(const std::string& url, std::string_view port) {
  std::size_t host_start = url.find("://") + 3;
  std::size_t host_end = url.find_first_of("/?#", host_start);
  std::string host = url.substr(host_start, host_end - host_start);
  host = host.substr(0, host.find(':'));
  return url.substr(0, host_start) + host + ":" + std::string(port) + url.substr(host_end);
}

bool has_explicit_port(const std::string& url) {
  std::size_t host_start = url.find("://") + 3;
  std::size_t host_end = url.find_first_of("/?#", host_start);
  return url.substr(host_start, host_end - host_start).find(':') != std::string::npos;
}

Form form_of(std::vector<FormParam> params) { return Form{std::move(params)}; }

const std::string kToken = "12345";
const std::string kUrl = "https://mycompany.com/myapp.php?foo=1&bar=2";

}  // namespace

TEST_CASE("signature: the vectors file loads", "[twilio][signature]") {
  REQUIRE(vectors().auth_token == "12345");
  REQUIRE(vectors().cases.size() >= 5);
}

TEST_CASE("signature: every vector computes its published signature", "[twilio][signature]") {
  const Vectors& all = vectors();
  for (const Vector& v : all.cases) {
    INFO(v.name);
    CHECK(compute_signature(all.auth_token, v.url, v.params) == v.signature);
    if (v.is_json) CHECK(sha256_hex(v.body) == v.body_sha256_hex);
  }
}

TEST_CASE("signature: every vector validates under its url and every valid_urls entry",
          "[twilio][signature]") {
  const Vectors& all = vectors();
  for (const Vector& v : all.cases) {
    std::vector<std::string> urls = v.valid_urls;
    urls.push_back(v.url);
    for (const std::string& url : urls) {
      INFO(v.name << " as " << url);
      if (v.is_json) {
        CHECK(validate_json_signature(all.auth_token, url, v.body, v.signature));
      } else {
        CHECK(validate_signature(all.auth_token, url, v.params, v.signature));
      }
    }
  }
}

TEST_CASE("signature: a tampered, missing or added param fails", "[twilio][signature]") {
  const Vectors& all = vectors();
  for (const Vector& v : all.cases) {
    if (v.is_json) continue;
    for (std::size_t i = 0; i < v.params.params.size(); ++i) {
      INFO(v.name << ", param " << v.params.params[i].name);
      Form tampered = v.params;
      tampered.params[i].value += "0";
      CHECK_FALSE(validate_signature(all.auth_token, v.url, tampered, v.signature));
      Form renamed = v.params;
      renamed.params[i].name[0] = static_cast<char>(renamed.params[i].name[0] ^ 0x20);  // case
      CHECK_FALSE(validate_signature(all.auth_token, v.url, renamed, v.signature));
      Form missing = v.params;
      missing.params.erase(missing.params.begin() + static_cast<std::ptrdiff_t>(i));
      CHECK_FALSE(validate_signature(all.auth_token, v.url, missing, v.signature));
    }
    Form added = v.params;
    added.params.push_back({"Extra", "1"});
    CHECK_FALSE(validate_signature(all.auth_token, v.url, added, v.signature));
    // Arrival order does not matter: names are sorted.
    Form reversed{std::vector<FormParam>(v.params.params.rbegin(), v.params.params.rend())};
    CHECK(validate_signature(all.auth_token, v.url, reversed, v.signature));
  }
}

TEST_CASE("signature: a wrong token fails", "[twilio][signature]") {
  const Vectors& all = vectors();
  for (const Vector& v : all.cases) {
    INFO(v.name);
    for (std::string_view token : {"12346", "1234", "123456", ""}) {
      if (v.is_json) {
        CHECK_FALSE(validate_json_signature(token, v.url, v.body, v.signature));
      } else {
        CHECK_FALSE(validate_signature(token, v.url, v.params, v.signature));
      }
    }
  }
}

TEST_CASE("signature: a different custom port fails when the signed URL had a port",
          "[twilio][signature]") {
  const Vectors& all = vectors();
  for (const Vector& v : all.cases) {
    if (v.is_json) continue;
    std::string moved = with_port(v.url, "5678");
    INFO(v.name << " as " << moved);
    // Like Twilio's libraries, any port is dropped before checking, so a URL signed without a
    // port still validates; one signed with a port only does with that port or none.
    CHECK(validate_signature(all.auth_token, moved, v.params, v.signature) ==
          !has_explicit_port(v.url));
  }
  CHECK_FALSE(validate_signature(kToken, "http://mycompany.com:1235/myapp.php?foo=1&bar=2",
                                 all.cases.at(3).params, "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="));
  // http signed with :80 does not validate as https (default :443), nor the other way round.
  CHECK_FALSE(validate_signature(kToken, "https://mycompany.com/myapp.php?foo=1&bar=2",
                                 all.cases.at(2).params, "0ZXoZLH/DfblKGATFgpif+LLRf4="));
  CHECK_FALSE(validate_signature(kToken, "http://mycompany.com/myapp.php?foo=1&bar=2",
                                 all.cases.at(1).params, "kvajT1Ptam85bY51eRf/AJRuM3w="));
}

TEST_CASE("signature: a form body parsed from the wire validates", "[twilio][signature]") {
  auto form = parse_form(
      "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309"
      "&To=%2B18005551212");
  REQUIRE(form.has_value());
  CHECK(compute_signature(kToken, kUrl, *form) == "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
  CHECK(validate_signature(kToken, kUrl, *form, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
}

// The constants below were produced with the python3-twilio 7.7.1 RequestValidator installed
// by Debian (/usr/bin/python3 -c 'from twilio.request_validator import RequestValidator; ...',
// token "12345"), printing v.compute_signature(url, params) and checking v.validate(...) is True.

TEST_CASE("signature: repeated names sign each value, sorted", "[twilio][signature]") {
  // class Pairs(list): items = lambda self: self   (every pair, like MultiDict.items(multi=True))
  // v.compute_signature(kUrl, Pairs([("To","+18005551212"),("Digits","9"),("From","+14158675309"),
  //                                  ("Digits","1"),("Digits","5")]))
  // twilio-python main's getlist() path gives the same value.
  const std::string expected = "AjhA/M0e5+quZB/+dQ+5MHSGqxM=";
  Form form = form_of({{"To", "+18005551212"},
                       {"Digits", "9"},
                       {"From", "+14158675309"},
                       {"Digits", "1"},
                       {"Digits", "5"}});
  CHECK(compute_signature(kToken, kUrl, form) == expected);
  CHECK(validate_signature(kToken, kUrl, form, expected));
  Form reordered = form_of({{"Digits", "5"},
                            {"Digits", "1"},
                            {"From", "+14158675309"},
                            {"Digits", "9"},
                            {"To", "+18005551212"}});
  CHECK(validate_signature(kToken, kUrl, reordered, expected));
  Form one_value_dropped =
      form_of({{"To", "+18005551212"}, {"Digits", "9"}, {"From", "+14158675309"}, {"Digits", "1"}});
  CHECK_FALSE(validate_signature(kToken, kUrl, one_value_dropped, expected));
  // A parsed body gives the same.
  auto parsed = parse_form("To=%2B18005551212&Digits=9&From=%2B14158675309&Digits=1&Digits=5");
  REQUIRE(parsed.has_value());
  CHECK(compute_signature(kToken, kUrl, *parsed) == expected);
}

TEST_CASE("signature: an identical repeated pair is signed once", "[twilio][signature]") {
  // 7.7.1 cannot take a repeated name; twilio-python main (and twilio-node) sign
  // sorted(set(values)), so Digits=1&Digits=1&To=... signs like Digits=1&To=...:
  // v.compute_signature(kUrl, {"Digits": "1", "To": "+18005551212"})
  const std::string expected = "cw7ymVJp+1T2z2WDWz6LlomDGGk=";
  Form doubled = form_of({{"Digits", "1"}, {"Digits", "1"}, {"To", "+18005551212"}});
  CHECK(compute_signature(kToken, kUrl, doubled) == expected);
  CHECK(validate_signature(kToken, kUrl, doubled, expected));
  // What 7.7.1 would sign if handed every pair, duplicates kept; we do not accept it.
  CHECK_FALSE(validate_signature(kToken, kUrl, doubled, "nAVCKeJbNR/28vk5T4CPHSQ1JHs="));
}

TEST_CASE("signature: names sort by byte, case-sensitively, by name not name+value",
          "[twilio][signature]") {
  // v.compute_signature(kUrl, {"a": "1", "B": "2", "Reason": "Participant",
  //                            "ReasonConferenceEnded": "x"})
  const std::string expected = "8+7xazK8YlaFReA/J1o61YtPvXQ=";
  Form form =
      form_of({{"ReasonConferenceEnded", "x"}, {"a", "1"}, {"Reason", "Participant"}, {"B", "2"}});
  CHECK(compute_signature(kToken, kUrl, form) == expected);
}

TEST_CASE("signature: UTF-8 values sign as their bytes", "[twilio][signature]") {
  // v.compute_signature(kUrl, {"CallerName": "José Müller 中文 😀", "From": "+14158675309"})
  const std::string expected = "c0hgiQiGf1b1Wn1a2P1ZWVGonaQ=";
  Form form = form_of({{"From", "+14158675309"}, {"CallerName", "José Müller 中文 😀"}});
  CHECK(compute_signature(kToken, kUrl, form) == expected);
  CHECK(validate_signature(kToken, kUrl, form, expected));
}

TEST_CASE("signature: GET requests sign the URL alone", "[twilio][signature]") {
  // v.compute_signature(url, {}); v.validate(url, {}, sig) and v.validate(url, None, sig) True
  const std::string url =
      "https://mycompany.com/voice?CallSid=CA1234567890ABCDE&From=%2B14158675309&To=%2B18005551212";
  const std::string expected = "dJ9NRoS3i9pSsg4x7xlUrz/hFR0=";
  CHECK(compute_signature(kToken, url, Form{}) == expected);
  CHECK(validate_signature(kToken, url, Form{}, expected));
  CHECK(validate_signature(kToken,
                           "https://mycompany.com:443/voice?CallSid=CA1234567890ABCDE"
                           "&From=%2B14158675309&To=%2B18005551212",
                           Form{}, expected));
  // The query is part of the signed text: changing it, or moving it into params, fails.
  CHECK_FALSE(
      validate_signature(kToken,
                         "https://mycompany.com/voice?CallSid=CA1234567890ABCDF&From=%2B14158675309"
                         "&To=%2B18005551212",
                         Form{}, expected));
  auto query = parse_form("CallSid=CA1234567890ABCDE&From=%2B14158675309&To=%2B18005551212");
  REQUIRE(query.has_value());
  CHECK_FALSE(validate_signature(kToken, "https://mycompany.com/voice", *query, expected));
}

TEST_CASE("signature: URLs are rebuilt like urllib does", "[twilio][signature]") {
  // sig = v.compute_signature("https://mycompany.com/myapp.php", {"a": "1"}); both
  // v.validate("https://mycompany.com/myapp.php?", {"a": "1"}, sig) and
  // v.validate("HTTPS://mycompany.com/myapp.php", {"a": "1"}, sig) are True.
  const std::string expected = "VhJLj1Z+QOhif+BMD62vyJm37fQ=";
  Form form = form_of({{"a", "1"}});
  CHECK(validate_signature(kToken, "https://mycompany.com/myapp.php", form, expected));
  CHECK(validate_signature(kToken, "https://mycompany.com/myapp.php?", form, expected));
  CHECK(validate_signature(kToken, "HTTPS://mycompany.com/myapp.php", form, expected));
  CHECK(validate_signature(kToken, "https://mycompany.com:443/myapp.php", form, expected));
  CHECK(validate_signature(kToken, "https://mycompany.com:0443/myapp.php", form, expected));
  CHECK_FALSE(validate_signature(kToken, "https://mycompany.com/myapp.php/", form, expected));
  CHECK_FALSE(validate_signature(kToken, "https://MyCompany.com/myapp.php", form, expected));
}

TEST_CASE("signature: removing a port keeps credentials and IPv6 brackets", "[twilio][signature]") {
  // Python's netloc.split(':')[0] would cut these to "user" and "["; no real signer does that.
  Form form = form_of({{"a", "1"}});
  std::string signed_url = "https://user:pw@[2001:db8::1]/hook";
  std::string signature = compute_signature(kToken, signed_url, form);
  CHECK(validate_signature(kToken, "https://user:pw@[2001:db8::1]:8443/hook", form, signature));
  CHECK(validate_signature(kToken, "https://user:pw@[2001:db8::1]:443/hook", form, signature));
}

TEST_CASE("signature: garbage never validates and never crashes", "[twilio][signature]") {
  Form form = form_of({{"a", "1"}});
  const std::string sig = compute_signature(kToken, "https://h/p", form);
  CHECK(validate_signature(kToken, "https://h/p", form, sig));
  CHECK_FALSE(validate_signature(kToken, "https://h/p", form, ""));
  CHECK_FALSE(validate_signature(kToken, "https://h/p", form, sig.substr(1)));
  CHECK_FALSE(validate_signature(kToken, "https://h/p", form, sig + "="));
  for (std::string_view url :
       {"", "h/p", "https:", "https://", "https:///p", "https://h:abc/p", "https://h:70000/p",
        "https://h:-1/p", "https://h:99999999999999999999/p", "https://[::1/p", "https://::1]/p",
        "https://h:+80/p", "//h/p", ":", "://h/p", "1http://h/p"}) {
    INFO(url);
    CHECK_FALSE(validate_signature(kToken, url, form, sig));
    CHECK_FALSE(validate_json_signature(kToken, url, "{}", sig));
  }
}

TEST_CASE("signature: empty token still computes like Python, but never validates",
          "[twilio][signature]") {
  // RequestValidator("").compute_signature(kUrl, {"a": "1"})
  Form form = form_of({{"a", "1"}});
  CHECK(compute_signature("", kUrl, form) == "Aw5lhBpnyuufIUyfVOe3ApO1W8Y=");
  CHECK_FALSE(validate_signature("", kUrl, form, "Aw5lhBpnyuufIUyfVOe3ApO1W8Y="));
}

TEST_CASE("signature: JSON bodies", "[twilio][signature]") {
  const Vector* json = nullptr;
  for (const Vector& v : vectors().cases) {
    if (v.is_json) json = &v;
  }
  REQUIRE(json != nullptr);
  const std::string& url = json->url;
  const std::string& body = json->body;
  const std::string& sig = json->signature;

  CHECK(validate_json_signature(kToken, url, body, sig));
  // The signature covers the URL only: a form check with no params agrees.
  CHECK(validate_signature(kToken, url, Form{}, sig));

  SECTION("a changed body fails on the hash") {
    CHECK_FALSE(validate_json_signature(kToken, url, body + " ", sig));
    CHECK_FALSE(validate_json_signature(kToken, url, "", sig));
  }
  SECTION("a wrong signature fails though the hash matches") {
    CHECK_FALSE(validate_json_signature(kToken, url, body, "a9nBmqA0ju/hNViExpshrM61xv5="));
  }
  SECTION("no bodySHA256 in the URL fails") {
    std::string bare = "https://mycompany.com/myapp.php?foo=1&bar=2";
    CHECK_FALSE(validate_json_signature(kToken, bare, body, compute_signature(kToken, bare, {})));
    std::string blank = bare + "&bodySHA256=";
    CHECK_FALSE(validate_json_signature(kToken, blank, body, compute_signature(kToken, blank, {})));
  }
  SECTION("the hash is compared case-sensitively, as lowercase hex") {
    std::string lower = "https://mycompany.com/myapp.php?bodySHA256=" + json->body_sha256_hex;
    std::string hex_upper = json->body_sha256_hex;
    for (char& c : hex_upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::string shouted = "https://mycompany.com/myapp.php?bodySHA256=" + hex_upper;
    CHECK(validate_json_signature(kToken, lower, body, compute_signature(kToken, lower, {})));
    CHECK_FALSE(
        validate_json_signature(kToken, shouted, body, compute_signature(kToken, shouted, {})));
  }
  SECTION("bodySHA256 is found like parse_qs finds it") {
    // First non-empty value; an escaped name still counts; a later value is ignored.
    for (std::string query : {"bodySHA256=&bodySHA256=" + json->body_sha256_hex,
                              "body%53HA256=" + json->body_sha256_hex,
                              "bodySHA256=" + json->body_sha256_hex + "&bodySHA256=00"}) {
      std::string u = "https://mycompany.com/myapp.php?" + query;
      INFO(u);
      CHECK(validate_json_signature(kToken, u, body, compute_signature(kToken, u, {})));
    }
    std::string later =
        "https://mycompany.com/myapp.php?bodySHA256=00&bodySHA256=" + json->body_sha256_hex;
    CHECK_FALSE(validate_json_signature(kToken, later, body, compute_signature(kToken, later, {})));
  }
}

TEST_CASE("signature: sha256_hex", "[twilio][signature]") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// Shared-key signing and JSON bodies, on tests/data/twilio-signature-cross-vectors.json: cases
// computed by twilio-python (or hmac/hashlib for shared keys, which it lacks) and checked by
// twilio-node in tests/node; here the same cases go through our code.

namespace {

using callrouter::twilio::body_hash_matches;
using callrouter::twilio::parse_signature_settings;
using callrouter::twilio::SignatureAlgorithm;

struct CrossVector {
  std::string name;
  bool is_get = false;
  std::string url;
  Form params;
  bool is_json = false;
  std::string body;
  bool shared_key = false;  // signed with the shared key, as the settings header says
  std::string settings;
  std::string signature;
  std::vector<std::string> valid_urls;
  std::vector<std::string> invalid_urls;
};

struct CrossVectors {
  std::string auth_token;
  std::string shared_key;
  std::vector<CrossVector> cases;
};

std::vector<std::string> strings_of(simdjson::dom::element array) {
  std::vector<std::string> out;
  for (simdjson::dom::element u : simdjson::dom::array(array)) out.emplace_back(std::string_view(u));
  return out;
}

const CrossVectors& cross_vectors() {
  static const CrossVectors loaded = [] {
    CrossVectors out;
    simdjson::dom::parser parser;
    simdjson::dom::element root =
        parser.load(CALLROUTER_SOURCE_DIR "/tests/data/twilio-signature-cross-vectors.json");
    out.auth_token = std::string(std::string_view(root["auth_token"]));
    out.shared_key = std::string(std::string_view(root["shared_key"]));
    for (simdjson::dom::element c : simdjson::dom::array(root["cases"])) {
      CrossVector v;
      v.name = std::string(std::string_view(c["name"]));
      v.is_get = std::string_view(c["method"]) == "GET";
      v.url = std::string(std::string_view(c["url"]));
      v.signature = std::string(std::string_view(c["signature"]));
      for (auto field : simdjson::dom::object(c["params"])) {
        if (field.value.is_array()) {
          for (simdjson::dom::element item : simdjson::dom::array(field.value)) {
            v.params.params.push_back({std::string(field.key), std::string(std::string_view(item))});
          }
        } else {
          v.params.params.push_back({std::string(field.key), std::string(std::string_view(field.value))});
        }
      }
      std::string_view text;
      if (c["body"].get(text) == simdjson::SUCCESS) {
        v.is_json = true;
        v.body = std::string(text);
      }
      if (c["signature_settings"].get(text) == simdjson::SUCCESS) {
        v.shared_key = true;
        v.settings = std::string(text);
      }
      v.valid_urls = strings_of(c["valid_urls"]);
      v.invalid_urls = strings_of(c["invalid_urls"]);
      out.cases.push_back(std::move(v));
    }
    return out;
  }();
  return loaded;
}

// What the webhook prologue does with a request: the key and HMAC the settings header picks,
// then the JSON or the form check.
bool prologue_validates(const CrossVector& v, std::string_view url, std::string_view signature,
                        std::string_view body) {
  const CrossVectors& all = cross_vectors();
  std::string_view key = all.auth_token;
  SignatureAlgorithm algorithm = SignatureAlgorithm::hmac_sha1;
  if (v.shared_key) {
    auto settings = parse_signature_settings(v.settings);
    if (!settings) return false;
    key = all.shared_key;
    algorithm = settings->algorithm;
  }
  if (v.is_json) return validate_json_signature(key, url, body, signature, algorithm);
  return validate_signature(key, url, v.is_get ? Form{} : v.params, signature, algorithm);
}

}  // namespace

TEST_CASE("signature: cross-library vectors load", "[twilio][signature]") {
  const CrossVectors& all = cross_vectors();
  REQUIRE(all.cases.size() >= 10);
  auto count = [&](auto pred) { return std::count_if(all.cases.begin(), all.cases.end(), pred); };
  CHECK(count([](const CrossVector& v) { return v.is_get; }) >= 1);
  CHECK(count([](const CrossVector& v) { return v.is_json; }) >= 2);
  CHECK(count([](const CrossVector& v) { return v.shared_key; }) >= 4);
  CHECK(count([](const CrossVector& v) { return v.is_json && v.shared_key; }) >= 1);
}

TEST_CASE("signature: cross-library vectors compute and validate", "[twilio][signature]") {
  const CrossVectors& all = cross_vectors();
  for (const CrossVector& v : all.cases) {
    INFO(v.name);
    auto settings = parse_signature_settings(v.settings);
    REQUIRE(settings.has_value());
    std::string_view key = v.shared_key ? all.shared_key : all.auth_token;
    // GET and JSON sign the URL alone.
    Form signed_params = v.is_get || v.is_json ? Form{} : v.params;
    CHECK(compute_signature(key, v.url, signed_params, settings->algorithm) == v.signature);
    if (v.is_json) CHECK(body_hash_matches(v.url, v.body));
    std::vector<std::string> urls = v.valid_urls;
    urls.push_back(v.url);
    for (const std::string& url : urls) {
      INFO("as " << url);
      CHECK(prologue_validates(v, url, v.signature, v.body));
    }
    for (const std::string& url : v.invalid_urls) {
      INFO("refused as " << url);
      CHECK_FALSE(prologue_validates(v, url, v.signature, v.body));
    }
    if (v.is_json) CHECK_FALSE(prologue_validates(v, v.url, v.signature, v.body + " "));
  }
}

TEST_CASE("signature: the wrong key or HMAC never validates", "[twilio][signature]") {
  const CrossVectors& all = cross_vectors();
  for (const CrossVector& v : all.cases) {
    INFO(v.name);
    auto settings = parse_signature_settings(v.settings);
    REQUIRE(settings.has_value());
    std::string_view key = v.shared_key ? all.shared_key : all.auth_token;
    std::string_view other_key = v.shared_key ? all.auth_token : all.shared_key;
    auto other_algorithm = settings->algorithm == SignatureAlgorithm::hmac_sha256
                               ? SignatureAlgorithm::hmac_sha1
                               : SignatureAlgorithm::hmac_sha256;
    Form params = v.is_get || v.is_json ? Form{} : v.params;
    if (v.is_json) {
      CHECK_FALSE(validate_json_signature(other_key, v.url, v.body, v.signature, settings->algorithm));
      CHECK_FALSE(validate_json_signature(key, v.url, v.body, v.signature, other_algorithm));
    } else {
      CHECK_FALSE(validate_signature(other_key, v.url, params, v.signature, settings->algorithm));
      CHECK_FALSE(validate_signature(key, v.url, params, v.signature, other_algorithm));
    }
    CHECK_FALSE(validate_signature("", v.url, params, v.signature, settings->algorithm));
  }
}

TEST_CASE("signature: HMAC-SHA256 signs the same text as HMAC-SHA1", "[twilio][signature]") {
  // python3 -c 'import hmac,hashlib,base64; print(base64.b64encode(hmac.new(b"12345",
  //   b"https://mycompany.com/myapp.php?foo=1&bar=2" + b"CallSidCA1234567890ABCDECaller+14158675309"
  //   b"Digits1234From+14158675309To+18005551212", hashlib.sha256).digest()).decode())'
  const Vector& first = vectors().cases.at(0);
  CHECK(compute_signature(kToken, first.url, first.params, SignatureAlgorithm::hmac_sha256) ==
        "033hgUJA9M/hXIZsYjwkerEP/DBm35nEri5FhCYjA5s=");
  CHECK(compute_signature(kToken, first.url, first.params, SignatureAlgorithm::hmac_sha1) ==
        first.signature);
  // The default stays HMAC-SHA1: every existing caller is unchanged.
  CHECK(compute_signature(kToken, first.url, first.params) == first.signature);
}

TEST_CASE("signature: X-Twilio-Webhooks-Signature-Settings", "[twilio][signature]") {
  auto algorithm_of = [](std::string_view header) {
    auto settings = parse_signature_settings(header);
    REQUIRE(settings.has_value());
    return settings->algorithm;
  };
  CHECK(algorithm_of("key=webhooks_sharedkey_x,algorithm=HMAC_SHA256") == SignatureAlgorithm::hmac_sha256);
  CHECK(algorithm_of("algorithm=HMAC_SHA256,key=webhooks_sharedkey_x") == SignatureAlgorithm::hmac_sha256);
  CHECK(algorithm_of(" key = k , algorithm = hmac_sha256 ") == SignatureAlgorithm::hmac_sha256);
  CHECK(algorithm_of("key=k,algorithm=HMAC_SHA1") == SignatureAlgorithm::hmac_sha1);
  // No algorithm, or an empty one, is HMAC_SHA1 (twilio-node's getSignatureAlgorithm); the first
  // non-empty one counts.
  CHECK(algorithm_of("key=k") == SignatureAlgorithm::hmac_sha1);
  CHECK(algorithm_of("key=k,algorithm=") == SignatureAlgorithm::hmac_sha1);
  CHECK(algorithm_of("algorithm=,algorithm=HMAC_SHA256") == SignatureAlgorithm::hmac_sha256);
  CHECK(algorithm_of("algorithm=HMAC_SHA256,algorithm=HMAC_SHA1") == SignatureAlgorithm::hmac_sha256);
  CHECK(algorithm_of("garbage") == SignatureAlgorithm::hmac_sha1);
  // Names are case-sensitive, as in twilio-node.
  CHECK(algorithm_of("Algorithm=HMAC_SHA256") == SignatureAlgorithm::hmac_sha1);
  auto settings = parse_signature_settings("key=webhooks_sharedkey_x,algorithm=HMAC_SHA256");
  REQUIRE(settings.has_value());
  CHECK(settings->key_id == "webhooks_sharedkey_x");
  for (std::string_view unsupported : {"algorithm=HMAC_SHA512", "algorithm=SHA256", "algorithm=HMAC-SHA256",
                                       "key=k,algorithm=HMAC_SHA256x", "algorithm=\x01\xff"}) {
    INFO(unsupported);
    auto refused = parse_signature_settings(unsupported);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().find("unsupported signature algorithm") != std::string::npos);
  }
}
