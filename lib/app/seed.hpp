// First-start seeding: turns a seed file (config/demo-seed.json) into configuration records,
// so `make run` comes up with the demo org, its number and a published flow.
#pragma once

#include <filesystem>

#include "common/expected.hpp"
#include "common/time.hpp"
#include "store/journal.hpp"

namespace callrouter::app {

// Every flow in the seed is compiled first; a seed that does not validate is a start-up error.
Expected<store::WriteSet> seed_records(const std::filesystem::path& seed_file, Timestamp now);

}  // namespace callrouter::app
