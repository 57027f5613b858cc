// How the `outbox` column family is keyed: per org the billing events for the CRM, by the time
// they happened, so GET /v1/wallet/events reads them in order and resumes after an id.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/time.hpp"

namespace callrouter::store {

// org NUL "billing-event" NUL; what follows it in a key is the event's id.
std::string billing_event_prefix(std::string_view org_id);
// The prefix, then µs since the epoch as 20 digits, ".", and `counter` mod 10^6 as 6 digits:
// events of one microsecond stay apart and in order.
std::string billing_event_key(std::string_view org_id, Timestamp at, std::uint64_t counter);

}  // namespace callrouter::store
