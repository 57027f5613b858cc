// First-start seeding: turns a seed file (config/demo-seed.json) into configuration records and
// writes them into an empty journal, so `make run` comes up with the demo org, number and flow.
#pragma once

#include <filesystem>

#include "common/expected.hpp"
#include "common/time.hpp"
#include "config/config.hpp"
#include "store/journal.hpp"

namespace callrouter::app {

// Every flow in the seed is compiled first; a seed that does not validate is a start-up error.
Expected<store::WriteSet> seed_records(const std::filesystem::path& seed_file, Timestamp now);

// When `seed.file` is set and the journal holds no configuration yet: writes the seed, plus an
// admin key for the first seeded org, logged once and kept in `seed.admin_key_file`.
Expected<Ok> seed_on_first_start(const Config& config, store::Journal& journal);

}  // namespace callrouter::app
