// Reading what is on record. The journal is one; store::MemoryStore (records kept in maps) is the
// other, so the engine and its tests read the same way with or without a disk.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "store/write_set.hpp"

namespace callrouter::store {

class Reader {
 public:
  virtual ~Reader() = default;
  virtual std::optional<std::string> get(Cf cf, std::string_view key) const = 0;
  // Visits keys starting with `prefix` in order until `visit` returns false; `from` (a key under
  // the prefix) starts there instead of at the first.
  virtual void scan_prefix(Cf cf, std::string_view prefix,
                           const std::function<bool(std::string_view key, std::string_view value)>& visit,
                           std::string_view from = {}) const = 0;
  // The greatest key starting with `prefix`, if any.
  virtual std::optional<std::string> last_key_with_prefix(Cf cf, std::string_view prefix) const = 0;
};

}  // namespace callrouter::store
