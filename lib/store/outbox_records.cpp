#include "store/outbox_records.hpp"

#include <fmt/format.h>

#include "store/journal.hpp"

namespace callrouter::store {

std::string billing_event_prefix(std::string_view org_id) { return make_key({org_id, "billing-event", ""}); }

std::string billing_event_key(std::string_view org_id, Timestamp at, std::uint64_t counter) {
  return make_key({org_id, "billing-event", fmt::format("{:020}.{:06}", at.time_since_epoch().count(), counter % 1'000'000)});
}

}  // namespace callrouter::store
