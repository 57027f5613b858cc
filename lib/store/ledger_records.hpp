// How the `ledger` column family is keyed: per org the wallet, its entries by seq, the refs
// already applied (the exactly-once index) and the length of each counted recording.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace callrouter::store {

// org NUL "wallet"
std::string wallet_key(std::string_view org_id);
// org NUL "entry" NUL seq as 20 digits, so an org's entries sort by seq under ledger_entry_prefix.
std::string ledger_entry_prefix(std::string_view org_id);
std::string ledger_entry_key(std::string_view org_id, std::uint64_t seq);
// org NUL "ref" NUL ref -> "": a charge, fee, top-up or recording already applied.
std::string applied_ref_key(std::string_view org_id, std::string_view ref);
// org NUL "recording" NUL RecordingSid -> its length in seconds, so deleting it frees that much.
std::string recording_key(std::string_view org_id, std::string_view recording_sid);

}  // namespace callrouter::store
