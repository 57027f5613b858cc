#include "workflows/webhook_url.hpp"

#include <catch2/catch.hpp>

using namespace callrouter::workflows;

TEST_CASE("workflows: public addresses pass, every non-public range is refused", "[workflows]") {
  for (auto ip : {"8.8.8.8", "1.1.1.1", "2606:4700::1111", "172.32.0.1", "100.128.0.1"}) {
    CHECK_FALSE(is_non_public_address(ip));
  }
  for (auto ip : {"127.0.0.1", "127.9.9.9", "0.0.0.0", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
                  "169.254.169.254", "100.64.0.1", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1%eth0",
                  "fc00::1", "fd12:3456::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "ff02::1", "2001:db8::1",
                  "not an address"}) {
    CHECK(is_non_public_address(ip));
  }
}

TEST_CASE("workflows: webhook URLs are http(s) to a public host unless private networks are allowed", "[workflows]") {
  CHECK(check_webhook_url("https://crm.example/hooks/calls", false));
  CHECK(check_webhook_url("http://crm.example:8080/x?y=1", false));
  CHECK(check_webhook_url("https://[2606:4700::1111]/x", false));
  for (auto url : {"http://127.0.0.1:8080/x", "http://localhost/x", "https://api.localhost/x", "http://[::1]:80/",
                   "http://169.254.169.254/latest/meta-data", "http://10.0.0.5/", "http://192.168.0.1./"}) {
    CHECK_FALSE(check_webhook_url(url, false));
    CHECK(check_webhook_url(url, true));
  }
  for (auto url : {"", "ftp://crm.example/", "crm.example/hooks", "https://", "https://user:pw@crm.example/",
                   "https://crm.example/a b", "https://crm.example:99999/"}) {
    CHECK_FALSE(check_webhook_url(url, true));
  }
  CHECK(url_origin("https://crm.example:8443/hooks?x=1") == "https://crm.example:8443");
  CHECK(url_origin("http://crm.example") == "http://crm.example");
}
