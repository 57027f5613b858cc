#include "sim/signed_request.hpp"

#include <fmt/format.h>

#include "provider/twilio/form.hpp"
#include "provider/twilio/rest_api.hpp"
#include "provider/twilio/signature.hpp"

namespace callrouter::sim {

std::string call_sid(std::uint64_t n, char prefix1, char prefix2) {
  std::uint64_t x = n + 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return fmt::format("{}{}{:016x}{:016x}", prefix1, prefix2, x, n);
}

Params voice_params(const Account& account, const CallParty& call, std::string_view call_status) {
  // Geography as Twilio fills it for Japanese numbers (mostly empty city/state/zip).
  return {
      {"AccountSid", account.account_sid},
      {"ApiVersion", "2010-04-01"},
      {"CallSid", call.call_sid},
      {"CallStatus", std::string(call_status)},
      {"CallToken", "%7B%22parentCallInfoToken%22%3A%22eyJhbGciOiJFUzI1NiJ9%22%7D"},
      {"Called", call.to},
      {"CalledCity", ""},
      {"CalledCountry", "JP"},
      {"CalledState", ""},
      {"CalledZip", ""},
      {"Caller", call.from},
      {"CallerCity", ""},
      {"CallerCountry", "JP"},
      {"CallerState", ""},
      {"CallerZip", ""},
      {"Direction", call.direction},
      {"From", call.from},
      {"FromCity", ""},
      {"FromCountry", "JP"},
      {"FromState", ""},
      {"FromZip", ""},
      {"StirVerstat", "TN-Validation-Passed-A"},
      {"To", call.to},
      {"ToCity", ""},
      {"ToCountry", "JP"},
      {"ToState", ""},
      {"ToZip", ""},
  };
}

std::string signed_post(const Account& account, std::string_view public_base_url, std::string_view target,
                        const Params& params, std::string_view idempotency_token) {
  twilio::Form form;
  std::string body;
  for (const auto& [k, v] : params) {
    form.params.push_back({k, v});
    if (!body.empty()) body.push_back('&');
    body += twilio::form_encode(k);
    body.push_back('=');
    body += twilio::form_encode(v);
  }
  const auto url = fmt::format("{}{}", public_base_url, target);
  const auto signature = twilio::compute_signature(account.auth_token, url, form);
  return fmt::format(
      "POST {} HTTP/1.1\r\nHost: callrouter\r\nUser-Agent: TwilioProxy/1.1\r\nAccept: */*\r\n"
      "Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\nX-Twilio-Signature: {}\r\n"
      "I-Twilio-Idempotency-Token: {}\r\nX-Home-Region: us1\r\nCache-Control: max-age=259200\r\n"
      "Content-Length: {}\r\n\r\n{}",
      target, signature, idempotency_token, body.size(), body);
}

}  // namespace callrouter::sim
