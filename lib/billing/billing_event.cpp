#include "billing/billing_event.hpp"

#include "common/json_writer.hpp"

namespace callrouter::billing {

std::string to_json(const BillingEvent& e) {
  JsonWriter w;
  w.begin_object()
      .field("kind", e.kind)
      .field("org_id", e.org_id)
      .field("amount_micro", e.amount_micro)
      .field("balance_micro", e.balance_micro)
      .field("ref", e.ref);
  w.key("subject");
  if (e.subject.empty()) {
    w.null();
  } else {
    w.value(e.subject);
  }
  w.field("at", format_rfc3339(e.at)).end_object();
  return w.take();
}

}  // namespace callrouter::billing
