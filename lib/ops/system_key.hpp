// Where the system key (the one that provisions orgs) comes from: a systemd credential, else the
// configured file, else — on a first development start — a new key kept in that file.
#pragma once

#include <string>

#include "config/config.hpp"

namespace callrouter::ops {

// `$CREDENTIALS_DIRECTORY/system-key` wins over `auth.system_key_file`. Empty when there is none
// and none can be created (then /v1/orgs is unavailable; logged).
std::string load_system_key(const Config& config);

}  // namespace callrouter::ops
