#include "workflows/match.hpp"

#include <optional>

namespace callrouter::workflows {

std::vector<Delivery> deliveries_for(const events::Event& event, const std::vector<const Workflow*>& rules,
                                     Timestamp now, const MemberOf& member_of) {
  std::vector<Delivery> out;
  // The trigger depends on the direction, which is in the event's data: parse it only when some
  // enabled rule listens to this event type at all (most events of most orgs fire nothing).
  const auto in = trigger_for(event.type, "inbound");
  const auto outgoing = trigger_for(event.type, "outbound");
  bool candidate = false;
  for (const auto* r : rules) candidate |= r->enabled && (r->trigger == in || r->trigger == outgoing);
  if (!candidate) return out;
  auto facts = read_call_facts(event);
  if (!facts) return out;
  const auto trigger = trigger_for(event.type, facts->direction);
  if (!trigger) return out;
  for (const auto* r : rules) {
    if (!r->enabled || r->trigger != *trigger || !matches(r->conditions, *facts, member_of)) continue;
    Delivery d;
    d.org_id = event.org_id;
    d.workflow_id = r->id;
    d.event_seq = event.seq;
    d.event_type = event.type;
    d.call_sid = event.call_sid;
    d.trigger = *trigger;
    d.created_at = now;
    d.next_attempt_at = now + std::chrono::seconds(r->delay_s);
    d.window_start = d.next_attempt_at;
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace callrouter::workflows
