// What workflow conditions look at, read once from a committed call event's `data` (the call as
// it stood after the event): direction, our number, the outside party, who took it, how long.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/expected.hpp"
#include "common/time.hpp"
#include "events/event.hpp"

namespace callrouter::workflows {

struct CallFacts {
  std::string direction;    // inbound | outbound
  std::string our_number;   // inbound: the number called (To); outbound: the caller ID presented
  std::string other_number; // the outside party: inbound the caller (From), outbound the callee (To)
  std::string user_id;      // the telephony user who took or made the call ("" if none)
  std::string flow_id;
  std::string disposition;  // "" while the call is live
  std::optional<std::int64_t> duration_s;  // set once the call ended
  // Seconds from the call's start until someone took it (connected_at), or until the event when
  // nobody has (yet): how long the caller waited.
  std::int64_t wait_s = 0;
  Timestamp at{};           // the event's time: business-hours conditions are checked at it
};

// Reads the facts of `event`; an event whose data is not a call object is an error.
Expected<CallFacts> read_call_facts(const events::Event& event);

}  // namespace callrouter::workflows
