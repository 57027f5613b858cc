#include "provider/twilio/documented_values.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace callrouter::twilio;

TEST_CASE("a RecordingUrl is an https URL that is safe as a link and a CSV cell") {
  CHECK(is_recording_url("https://api.twilio.com/2010-04-01/Accounts/AC0123/Recordings/RE0123"));
  CHECK(is_recording_url("https://x/r"));
  CHECK_FALSE(is_recording_url("http://api.twilio.com/Recordings/RE1"));
  CHECK_FALSE(is_recording_url("https://"));
  CHECK_FALSE(is_recording_url("javascript:alert(1)"));
  CHECK_FALSE(is_recording_url("https://x/\"><script>"));
  CHECK_FALSE(is_recording_url("https://x/a b"));
  CHECK_FALSE(is_recording_url("https://x/\r\n=1+1"));
  CHECK_FALSE(is_recording_url("https://x/\xe9"));
  CHECK(is_recording_url("https://x/" + std::string(1014, 'a')));
  CHECK_FALSE(is_recording_url("https://x/" + std::string(1015, 'a')));
}

TEST_CASE("the statuses the provider documents, and nothing else") {
  CHECK(is_recording_status("completed"));
  CHECK_FALSE(is_recording_status("done"));
  CHECK(is_call_status("in-progress"));
  CHECK_FALSE(is_call_status("pwned<script>"));
}
