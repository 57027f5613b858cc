#include "ops/system_key.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>

#include "auth/api_key.hpp"
#include "ops/secret_file.hpp"

namespace callrouter::ops {

std::string load_system_key(const Config& config) {
  if (const char* creds = std::getenv("CREDENTIALS_DIRECTORY")) {
    auto path = std::filesystem::path(creds) / "system-key";
    if (std::filesystem::exists(path)) return read_secret(path).value_or("");
  }
  // An existing file is never replaced, even one that cannot be read.
  if (std::filesystem::exists(config.system_key_file)) return read_secret(config.system_key_file).value_or("");
  // Missing on a first development start: one is made (and kept) so `make run` needs no set-up.
  auto key = auth::random_hex(32);
  if (write_secret(config.system_key_file, key)) {
    spdlog::warn("no system key found: generated one in {}", config.system_key_file.string());
    return key;
  }
  spdlog::error("no system key in {} and it cannot be created: /v1/orgs is unavailable",
                config.system_key_file.string());
  return {};
}

}  // namespace callrouter::ops
