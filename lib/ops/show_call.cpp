#include "ops/show_call.hpp"

#include <fmt/format.h>

#include "store/config_records.hpp"
#include "store/journal.hpp"

namespace callrouter::ops {

std::optional<CallRef> parse_call_ref(std::string_view org_and_sid) {
  auto slash = org_and_sid.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  return CallRef{std::string(org_and_sid.substr(0, slash)), std::string(org_and_sid.substr(slash + 1))};
}

Expected<std::string> stored_call_json(const std::filesystem::path& data_dir, const CallRef& call) {
  auto journal = store::Journal::open(data_dir, Durability::fsync, [](std::function<void()> fn) { fn(); });
  if (!journal) return unexpected(journal.error());
  auto stored = (*journal)->get(store::Cf::calls, store::call_key(call.org_id, call.call_sid));
  auto payload = stored ? store::decode_value(*stored) : std::nullopt;
  if (!payload) return unexpected(fmt::format("no call {}/{}", call.org_id, call.call_sid));
  return std::string(*payload);
}

}  // namespace callrouter::ops
