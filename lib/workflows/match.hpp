// The outbox's derive step: which of an org's rules a committed event fires, as new pending
// deliveries. Pure: the rules, the event and the time in, deliveries out (the commit path
// journals them in the event's batch).
#pragma once

#include <vector>

#include "events/event.hpp"
#include "workflows/conditions.hpp"
#include "workflows/delivery.hpp"
#include "workflows/workflow.hpp"

namespace callrouter::workflows {

// Deliveries of the enabled rules of `rules` (all of the event's org) whose trigger the event
// fires and whose conditions hold. Due at `now` + the rule's delay_s.
std::vector<Delivery> deliveries_for(const events::Event& event, const std::vector<const Workflow*>& rules,
                                     Timestamp now, const MemberOf& member_of);

}  // namespace callrouter::workflows
