// Which committed events a change to a call record makes: a pure function of the record before
// and after, so every path that changes a call (webhook, callback, agent leg, queue move) agrees.
#pragma once

#include <vector>

#include "engine/call_record.hpp"
#include "events/event.hpp"

namespace callrouter::events {

// Events in the order they happened, unnumbered (seq 0). `before` is null for a call not yet on
// record. `now` dates events the record carries no time for (queue joins and leaves).
std::vector<Event> call_events(const engine::CallRecord* before, const engine::CallRecord& after, Timestamp now);

}  // namespace callrouter::events
