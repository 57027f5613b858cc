// Builds provider webhooks as Twilio sends them: form-encoded, the full field set, signed with
// X-Twilio-Signature (HMAC-SHA1 over public URL + sorted params, the project's own signer) and
// an I-Twilio-Idempotency-Token per attempt.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace callrouter::sim {

using Params = std::vector<std::pair<std::string, std::string>>;

struct Account {
  std::string org_id;
  std::string account_sid;
  std::string auth_token;
};

struct CallParty {
  std::string call_sid;
  std::string from;  // E.164
  std::string to;
  std::string direction = "inbound";
};

// The fields every voice request carries (CallSid, AccountSid, From/To and their geography, …).
Params voice_params(const Account& account, const CallParty& call, std::string_view call_status);

// A complete HTTP/1.1 POST. `public_url` is what the daemon signs against (public_base_url +
// target); `target` is what goes on the request line.
std::string signed_post(const Account& account, std::string_view public_base_url, std::string_view target,
                        const Params& params, std::string_view idempotency_token);

// "CA" + 32 hex digits, from a counter (unique per run, spread over the key space).
std::string call_sid(std::uint64_t n, char prefix1 = 'C', char prefix2 = 'A');

}  // namespace callrouter::sim
