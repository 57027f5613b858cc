// How committed call events are keyed in the `events` column family: org, NUL, seq as 20 zero-
// padded digits, so one org's events are contiguous and sorted by seq.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "events/event.hpp"
#include "store/journal.hpp"

namespace callrouter::store {

std::string event_key(std::string_view org_id, std::uint64_t seq);
WriteOp put_event(const events::Event& event);

// The highest seq journaled for the org (0: none yet), read once at start.
std::uint64_t last_event_seq(const Reader& journal, std::string_view org_id);

// One stored event (its data as JSON text), for consumers that read it back later (workflow
// deliveries make their webhook body from it at every try).
std::optional<events::Event> read_event(const Reader& journal, std::string_view org_id, std::uint64_t seq);

// Up to `limit` stored events of the org with seq > `after`, oldest first, as stored JSON.
std::vector<std::string> read_events(const Reader& journal, std::string_view org_id, std::uint64_t after,
                                     std::size_t limit);

}  // namespace callrouter::store
