// The config file (docs/operations.md): any bytes give a Config or an error naming the key, and
// the values accepted are within the ranges the daemon relies on.
#include "config/config.hpp"
#include "fuzz_support.hpp"

using namespace callrouter;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto config = parse_config(fuzz::as_text(data, size), "/etc/callrouter/callrouter.json");
  if (!config) {
    fuzz::require(!config.error().empty(), "a refusal says why");
    return 0;
  }
  fuzz::require(config->calls_expire_after > config->calls_check_after, "calls expire after they are checked");
  fuzz::require(config->calls_check_after.count() > 0, "calls are checked after a positive time");
  return 0;
}
