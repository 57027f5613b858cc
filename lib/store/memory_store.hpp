// Records kept in ordered maps, read like the journal: what the engine's tests (and tools that
// need no disk) write change sets into. Not durable, not thread-safe.
#pragma once

#include <array>
#include <map>

#include "store/reader.hpp"

namespace callrouter::store {

class MemoryStore final : public Reader {
 public:
  void apply(const WriteSet& records);

  std::optional<std::string> get(Cf cf, std::string_view key) const override;
  void scan_prefix(Cf cf, std::string_view prefix,
                   const std::function<bool(std::string_view key, std::string_view value)>& visit,
                   std::string_view from = {}) const override;
  std::optional<std::string> last_key_with_prefix(Cf cf, std::string_view prefix) const override;
  std::size_t size(Cf cf) const { return cfs_[static_cast<std::size_t>(cf)].size(); }

 private:
  std::array<std::map<std::string, std::string, std::less<>>, static_cast<std::size_t>(Cf::count_)> cfs_;
};

}  // namespace callrouter::store
