// The configuration the simulator runs against: N orgs, each with two numbers (a "direct" line
// whose flow rings the sales group at once, and a "reception" line with a menu), agents in a
// sales group, and both flows published — written as a seed file the daemon applies on first start.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "sim/signed_request.hpp"

namespace callrouter::sim {

struct SimAgent {
  std::string org_id;
  std::string user_id;
  std::string client;  // the softphone identity <Client> rings
};

struct SimOrg {
  Account account;
  std::string direct_number;     // flow "direct": greeting → ring_group sales (queue) → voicemail
  std::string reception_number;  // flow "reception": greeting → hours → menu → sales | support → voicemail
  std::vector<SimAgent> agents;
};

struct SeedShape {
  int orgs = 4;
  int agents_per_org = 50;
  int wrap_up_s = 0;
  int queue_max_callers = 20;
  int ring_timeout_s = 20;
};

std::vector<SimOrg> make_orgs(const SeedShape& shape);
// The seed file (config/demo-seed.json's format, lib/app/seed.cpp).
std::string seed_json(const std::vector<SimOrg>& orgs, const SeedShape& shape);

}  // namespace callrouter::sim
