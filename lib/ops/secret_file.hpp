// Small secrets kept in files (the system key, the seeded admin key): read trimmed, written so
// that only the owner can read them.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace callrouter::ops {

// The file's text without surrounding blanks; nullopt when it does not exist or cannot be read.
std::optional<std::string> read_secret(const std::filesystem::path& path);

// Writes `text` and a newline with mode 0600 (parent folders are created); false on failure.
bool write_secret(const std::filesystem::path& path, const std::string& text);

}  // namespace callrouter::ops
