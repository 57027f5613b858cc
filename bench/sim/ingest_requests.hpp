// The ingest benchmark's requests, built before the clock starts so that signing and formatting
// never compete with the server under test: one new inbound call per webhook, spread over the
// orgs' direct numbers, each with its own CallSid and idempotency token.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/bench_seed.hpp"

namespace callrouter::sim {

std::vector<std::string> voice_requests(const std::vector<SimOrg>& orgs, std::string_view public_base_url,
                                        std::uint64_t count, std::uint64_t first_call);

}  // namespace callrouter::sim
