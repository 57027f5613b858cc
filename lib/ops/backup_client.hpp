// `callrouterd --backup DIR`: a consistent copy of the journal (a RocksDB checkpoint), made by
// this process when the daemon is stopped, or asked of the running daemon, which holds the lock.
#pragma once

#include <filesystem>
#include <string>

#include "common/expected.hpp"
#include "config/config.hpp"

namespace callrouter::ops {

struct BackupWritten {
  std::filesystem::path dir;  // absolute
  bool by_daemon = false;     // the running daemon wrote it (POST /v1/system/backup)
};

// `dir` must not exist; relative paths are taken from the current directory.
Expected<BackupWritten> write_backup(const Config& config, const std::filesystem::path& dir);

// POST /v1/system/backup to the daemon at `config.listen`, with the system key.
Expected<Ok> request_backup(const Config& config, const std::filesystem::path& dir);

}  // namespace callrouter::ops
