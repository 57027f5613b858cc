// Decides what happens to a new incoming call: find the number's flow, run it from the start,
// and produce the call's first record. Pure: configuration, call and time in; decision out.
#pragma once

#include <string_view>

#include "common/time.hpp"
#include "engine/call_flow.hpp"
#include "engine/call_record.hpp"
#include "engine/directory.hpp"
#include "engine/provider_events.hpp"
#include "flow/call_action.hpp"

namespace callrouter::engine {


struct IncomingCallDecision {
  flow::CallActions actions;
  CallRecord record;
};

// `org` is the organisation whose signature the request carried; a number owned by another org
// is treated as unknown, so one org can never route into another's flows.
IncomingCallDecision decide_incoming_call(const Directory& directory, const Org& org,
                                          const CallArrived& call, Timestamp now, const RingSelector& select);

}  // namespace callrouter::engine
