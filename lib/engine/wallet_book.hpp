// Where the engine keeps wallets: in memory (the truth while running, pending writes included) and
// in the journal's ledger column family (wallet, entries, applied refs, one batch per decision).
// A decision whose write fails is forgotten: the org's wallet goes back to what is on disk.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "billing/ledger_entry.hpp"
#include "billing/outbound_limit.hpp"
#include "billing/wallet.hpp"
#include "billing/wallet_ledger.hpp"
#include "engine/directory.hpp"
#include "store/reader.hpp"
#include "store/journal.hpp"

namespace callrouter::engine {

struct LedgerPage {
  std::vector<billing::LedgerEntry> entries;
  std::optional<std::uint64_t> next_after;  // pass as `after` for the next page
};

class WalletBook {
 public:
  using Ticket = std::uint64_t;
  explicit WalletBook(const store::Reader& journal) : journal_(journal) {}

  // The org's wallet with every staged decision applied (a new org's is empty).
  const billing::Wallet& wallet(std::string_view org_id);
  // Whether `ref` was applied for the org: staged, or on disk.
  billing::AppliedRefs applied(std::string_view org_id);
  // The amount of the ledger entry that applied `ref` (so a reused payment id with another
  // amount can be told from a retry); nullopt if none, or if the ref is not an entry's.
  std::optional<std::int64_t> applied_amount(std::string_view org_id, std::string_view ref);
  // Adds the decision's wallet, entries and refs to `ops` and shows them at once; settle() says
  // whether they reached the disk.
  Ticket stage(const billing::WalletDecision& decision, store::WriteSet& ops);
  Ticket stage(const billing::Wallet& wallet, store::WriteSet& ops);  // settings only, no entry
  // Remembers a non-ledger ref (e.g. a recording counted) in the same batch.
  void stage_ref(std::string_view org_id, std::string_view ref, store::WriteSet& ops, Ticket ticket,
                 std::string value = {});
  void settle(Ticket ticket, bool durable);

  // Oldest first, entries with seq > after; `kind` empty: every kind.
  LedgerPage ledger(std::string_view org_id, std::uint64_t after, std::size_t limit, std::string_view kind) const;
  std::vector<billing::LedgerEntry> all_entries(std::string_view org_id) const;

  // Holds of live outbound calls (memory only: rebuilt from live calls at start).
  billing::Reservations& reservations(std::string_view org_id) { return reservations_[std::string(org_id)]; }
  std::int64_t reserved_micro(std::string_view org_id) const;

 private:
  struct OrgWallet {
    billing::Wallet current;
    billing::Wallet durable;
    std::uint64_t staged = 0;   // decisions staged so far
    std::uint64_t on_disk = 0;  // the last of them known durable
  };
  struct Staged {
    std::string org_id;
    billing::Wallet wallet;
    std::uint64_t version = 0;
    std::vector<std::string> refs;
  };
  OrgWallet& load(std::string_view org_id);
  Ticket stage_wallet(const billing::Wallet& wallet, store::WriteSet& ops);

  const store::Reader& journal_;
  engine::StringMap<OrgWallet> wallets_;
  // key: store::applied_ref_key; value: what the ref's row holds (an entry's amount, or "").
  std::unordered_map<std::string, std::string> pending_refs_;
  std::unordered_map<Ticket, Staged> staged_;
  Ticket next_ticket_ = 1;
  engine::StringMap<billing::Reservations> reservations_;
};

}  // namespace callrouter::engine
