#include "billing/ledger_entry.hpp"

#include <simdjson.h>

#include <array>

#include "common/json_writer.hpp"

namespace callrouter::billing {
namespace {

constexpr std::array<std::pair<LedgerKind, std::string_view>, 7> kKindNames{{
    {LedgerKind::topup, "topup"},
    {LedgerKind::auto_recharge, "auto_recharge"},
    {LedgerKind::number_purchase, "number_purchase"},
    {LedgerKind::number_monthly_fee, "number_monthly_fee"},
    {LedgerKind::call_charge, "call_charge"},
    {LedgerKind::recording_storage, "recording_storage"},
    {LedgerKind::adjustment, "adjustment"},
}};

}  // namespace

std::string_view to_string(LedgerKind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "adjustment";
}

std::optional<LedgerKind> ledger_kind_from_string(std::string_view s) {
  for (const auto& [k, name] : kKindNames) {
    if (name == s) return k;
  }
  return std::nullopt;
}

std::string to_json(const LedgerEntry& e) {
  JsonWriter w;
  w.begin_object()
      .field("org_id", e.org_id)
      .field("seq", static_cast<std::uint64_t>(e.seq))
      .field("kind", to_string(e.kind))
      .field("amount_micro", e.amount_micro)
      .field("balance_after_micro", e.balance_after_micro)
      .field("at", format_rfc3339(e.at))
      .field("ref", e.ref)
      .field("note", e.note)
      .end_object();
  return w.take();
}

Expected<LedgerEntry> ledger_entry_from_json(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  if (parser.parse(json.data(), json.size()).get(o)) {
    return unexpected(std::string("ledger entry is not a JSON object"));
  }
  LedgerEntry e;
  std::string_view s;
  if (o["org_id"].get(s) || s.empty()) return unexpected(std::string("ledger entry: 'org_id' missing"));
  e.org_id = s;
  if (o["seq"].get(e.seq)) return unexpected(std::string("ledger entry: 'seq' must be an unsigned integer"));
  if (o["kind"].get(s)) return unexpected(std::string("ledger entry: 'kind' missing"));
  auto kind = ledger_kind_from_string(s);
  if (!kind) return unexpected(std::string("ledger entry: unknown 'kind' ") + std::string(s));
  e.kind = *kind;
  if (o["amount_micro"].get(e.amount_micro)) {
    return unexpected(std::string("ledger entry: 'amount_micro' must be an integer"));
  }
  if (o["balance_after_micro"].get(e.balance_after_micro)) {
    return unexpected(std::string("ledger entry: 'balance_after_micro' must be an integer"));
  }
  if (o["at"].get(s)) return unexpected(std::string("ledger entry: 'at' missing"));
  auto at = parse_rfc3339(s);
  if (!at) return unexpected(std::string("ledger entry: 'at' is not an RFC 3339 time"));
  e.at = *at;
  if (o["ref"].get(s)) return unexpected(std::string("ledger entry: 'ref' missing"));
  e.ref = s;
  if (o["note"].get(s) == simdjson::SUCCESS) e.note = s;
  return e;
}

}  // namespace callrouter::billing
