#include "billing/usage_summary.hpp"

#include "billing/calendar.hpp"
#include "common/json_writer.hpp"

namespace callrouter::billing {

UsageSummary summarise_usage(std::span<const LedgerEntry> entries) {
  UsageSummary summary;
  for (const auto& e : entries) {
    auto& month = summary.months[month_key(e.at)];
    auto& total = month.by_kind[std::string(to_string(e.kind))];
    total.count += 1;
    total.amount_micro += e.amount_micro;
    (e.amount_micro >= 0 ? month.credits_micro : month.debits_micro) += e.amount_micro;
  }
  return summary;
}

std::string to_json(const UsageSummary& summary) {
  JsonWriter w;
  w.begin_object().key("months").begin_array();
  for (const auto& [key, month] : summary.months) {
    w.begin_object()
        .field("month", key)
        .field("credits_micro", month.credits_micro)
        .field("debits_micro", month.debits_micro)
        .key("by_kind")
        .begin_object();
    for (const auto& [kind, total] : month.by_kind) {
      w.key(kind).begin_object().field("count", total.count).field("amount_micro", total.amount_micro).end_object();
    }
    w.end_object().end_object();
  }
  w.end_array().end_object();
  return w.take();
}

}  // namespace callrouter::billing
