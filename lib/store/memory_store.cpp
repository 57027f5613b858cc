#include "store/memory_store.hpp"

#include "store/merge_values.hpp"

namespace callrouter::store {

void MemoryStore::apply(const WriteSet& records) {
  for (const auto& op : records) {
    auto& cf = cfs_[static_cast<std::size_t>(op.cf)];
    if (op.erase) {
      if (auto it = cf.find(op.key); it != cf.end()) cf.erase(it);
    } else if (auto it = cf.find(op.key); op.merge && it != cf.end()) {
      if (auto merged = merge_values(op.cf, it->second, op.value)) it->second = std::move(*merged);
    } else {
      cf.insert_or_assign(op.key, op.value);
    }
  }
}

std::optional<std::string> MemoryStore::get(Cf cf, std::string_view key) const {
  const auto& m = cfs_[static_cast<std::size_t>(cf)];
  auto it = m.find(key);
  if (it == m.end()) return std::nullopt;
  return it->second;
}

void MemoryStore::scan_prefix(Cf cf, std::string_view prefix,
                              const std::function<bool(std::string_view, std::string_view)>& visit,
                              std::string_view from) const {
  const auto& m = cfs_[static_cast<std::size_t>(cf)];
  for (auto it = m.lower_bound(from.empty() ? prefix : from); it != m.end() && it->first.starts_with(prefix); ++it) {
    if (!visit(it->first, it->second)) return;
  }
}

std::optional<std::string> MemoryStore::last_key_with_prefix(Cf cf, std::string_view prefix) const {
  std::optional<std::string> last;
  scan_prefix(cf, prefix, [&](std::string_view key, std::string_view) {
    last = std::string(key);
    return true;
  });
  return last;
}

}  // namespace callrouter::store
