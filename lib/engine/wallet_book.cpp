#include "engine/wallet_book.hpp"

#include <spdlog/spdlog.h>

#include <charconv>

#include "store/ledger_records.hpp"

namespace callrouter::engine {

using store::applied_ref_key;
using store::ledger_entry_key;
using store::ledger_entry_prefix;
using store::wallet_key;

WalletBook::OrgWallet& WalletBook::load(std::string_view org_id) {
  auto it = wallets_.find(org_id);
  if (it != wallets_.end()) return it->second;
  billing::Wallet w;
  w.org_id = std::string(org_id);
  if (auto stored = journal_.get(store::Cf::ledger, wallet_key(org_id))) {
    auto payload = store::decode_value(*stored);
    auto parsed = payload ? billing::wallet_from_json(*payload) : Expected<billing::Wallet>(unexpected(std::string("bad version")));
    if (parsed) {
      w = std::move(*parsed);
    } else {
      // Refusing every charge would stop the org's calls; an empty wallet would lose money.
      // Neither is right; this is corruption and is logged loudly.
      spdlog::critical("wallet of org {} cannot be read ({}): starting from an empty wallet", org_id, parsed.error());
    }
  }
  return wallets_.emplace(std::string(org_id), OrgWallet{w, w, 0, 0}).first->second;
}

const billing::Wallet& WalletBook::wallet(std::string_view org_id) { return load(org_id).current; }

billing::AppliedRefs WalletBook::applied(std::string_view org_id) {
  return [this, org = std::string(org_id)](std::string_view ref) {
    auto key = applied_ref_key(org, ref);
    return pending_refs_.contains(key) || journal_.get(store::Cf::ledger, key).has_value();
  };
}

std::optional<std::int64_t> WalletBook::applied_amount(std::string_view org_id, std::string_view ref) {
  auto key = applied_ref_key(org_id, ref);
  std::string value;
  if (auto pending = pending_refs_.find(key); pending != pending_refs_.end()) {
    value = pending->second;
  } else if (auto stored = journal_.get(store::Cf::ledger, key)) {
    value = std::move(*stored);
  }
  std::int64_t amount = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), amount);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size()) return std::nullopt;
  return amount;
}

WalletBook::Ticket WalletBook::stage_wallet(const billing::Wallet& wallet, store::WriteSet& ops) {
  auto& w = load(wallet.org_id);
  w.current = wallet;
  ops.push_back({store::Cf::ledger, wallet_key(wallet.org_id), store::encode_value(billing::to_json(wallet))});
  const auto ticket = next_ticket_++;
  staged_[ticket] = Staged{wallet.org_id, wallet, ++w.staged, {}};
  return ticket;
}

WalletBook::Ticket WalletBook::stage(const billing::Wallet& wallet, store::WriteSet& ops) {
  return stage_wallet(wallet, ops);
}

WalletBook::Ticket WalletBook::stage(const billing::WalletDecision& decision, store::WriteSet& ops) {
  const auto ticket = stage_wallet(decision.wallet, ops);
  const auto& org = decision.wallet.org_id;
  for (const auto& e : decision.entries) {
    ops.push_back({store::Cf::ledger, ledger_entry_key(org, e.seq), store::encode_value(billing::to_json(e))});
    stage_ref(org, e.ref, ops, ticket, std::to_string(e.amount_micro));
  }
  return ticket;
}

void WalletBook::stage_ref(std::string_view org_id, std::string_view ref, store::WriteSet& ops, Ticket ticket,
                           std::string value) {
  if (ref.empty()) return;
  auto key = applied_ref_key(org_id, ref);
  ops.push_back({store::Cf::ledger, key, value});
  pending_refs_.insert_or_assign(key, std::move(value));
  staged_[ticket].refs.push_back(std::move(key));
}

void WalletBook::settle(Ticket ticket, bool durable) {
  auto it = staged_.find(ticket);
  if (it == staged_.end()) return;
  auto staged = std::move(it->second);
  staged_.erase(it);
  for (const auto& key : staged.refs) pending_refs_.erase(key);
  auto& w = load(staged.org_id);
  if (durable) {
    if (staged.version > w.on_disk) {
      w.on_disk = staged.version;
      w.durable = std::move(staged.wallet);
    }
    return;
  }
  // Decisions staged after this one were built on it; the journal fails them too (see
  // Journal::commit), so memory goes back to what the disk holds.
  w.current = w.durable;
}

LedgerPage WalletBook::ledger(std::string_view org_id, std::uint64_t after, std::size_t limit,
                              std::string_view kind) const {
  LedgerPage page;
  const auto prefix = ledger_entry_prefix(org_id);
  const auto from = ledger_entry_key(org_id, after + 1);  // keys sort by seq: start right after the cursor
  journal_.scan_prefix(store::Cf::ledger, prefix, [&](std::string_view, std::string_view value) {
    auto payload = store::decode_value(value);
    auto entry = payload ? billing::ledger_entry_from_json(*payload) : Expected<billing::LedgerEntry>(unexpected(std::string("bad version")));
    if (!entry || entry->seq <= after) return true;
    if (!kind.empty() && billing::to_string(entry->kind) != kind) return true;
    if (page.entries.size() == limit) {
      page.next_after = page.entries.back().seq;
      return false;
    }
    page.entries.push_back(std::move(*entry));
    return true;
  }, from);
  return page;
}

std::vector<billing::LedgerEntry> WalletBook::all_entries(std::string_view org_id) const {
  return ledger(org_id, 0, static_cast<std::size_t>(-1), {}).entries;
}

std::int64_t WalletBook::reserved_micro(std::string_view org_id) const {
  auto it = reservations_.find(org_id);
  return it == reservations_.end() ? 0 : it->second.reserved_micro();
}

}  // namespace callrouter::engine
