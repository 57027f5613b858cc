#include "sim/ingest_requests.hpp"

#include <fmt/format.h>

namespace callrouter::sim {

std::vector<std::string> voice_requests(const std::vector<SimOrg>& orgs, std::string_view public_base_url,
                                        std::uint64_t count, std::uint64_t first_call) {
  std::vector<std::string> out;
  out.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    const auto n = first_call + i;
    const auto& org = orgs[n % orgs.size()];
    CallParty call{call_sid(n), fmt::format("+8190{:08d}", (n * 7919) % 100'000'000), org.direct_number, "inbound"};
    auto params = voice_params(org.account, call, "ringing");
    out.push_back(signed_post(org.account, public_base_url, "/twilio/voice", params, fmt::format("{}-voice-0", call.call_sid)));
  }
  return out;
}

}  // namespace callrouter::sim
