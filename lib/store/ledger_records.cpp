#include "store/ledger_records.hpp"

#include <fmt/format.h>

#include "store/journal.hpp"

namespace callrouter::store {

std::string wallet_key(std::string_view org_id) { return make_key({org_id, "wallet"}); }
std::string ledger_entry_prefix(std::string_view org_id) { return make_key({org_id, "entry", ""}); }
std::string ledger_entry_key(std::string_view org_id, std::uint64_t seq) {
  return make_key({org_id, "entry", fmt::format("{:020}", seq)});
}
std::string applied_ref_key(std::string_view org_id, std::string_view ref) { return make_key({org_id, "ref", ref}); }
std::string recording_key(std::string_view org_id, std::string_view recording_sid) {
  return make_key({org_id, "recording", recording_sid});
}

}  // namespace callrouter::store
