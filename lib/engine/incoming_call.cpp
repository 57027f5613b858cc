#include "engine/incoming_call.hpp"

#include "engine/call_flow.hpp"

namespace callrouter::engine {

IncomingCallDecision decide_incoming_call(const Directory& directory, const Org& org,
                                          const CallArrived& call, Timestamp now, const RingSelector& select) {
  IncomingCallDecision d;
  auto& r = d.record;
  r.sid = std::string(call.call_sid);
  r.org_id = org.id;
  r.direction = "inbound";
  r.from = std::string(call.from);
  r.to = std::string(call.to);
  r.status = std::string(call.status);
  r.from_country = std::string(call.from_country);
  r.started_at = now;

  const NumberEntry* number = directory.number(call.to);
  const FlowEntry* flow = nullptr;
  if (number != nullptr && number->org_id == org.id && !number->flow_id.empty()) {
    flow = directory.flow(org.id, number->flow_id);
  }
  if (flow == nullptr || flow->deleted || !flow->enabled || !flow->published) {
    // DESIGN §1: a number without an enabled, published flow rejects the call (unanswered, unbilled).
    d.actions.push_back(flow::RejectAction{});
    r.disposition = "rejected";
    if (flow != nullptr && !flow->deleted) r.flow_id = flow->id;
    return d;
  }

  const auto& published = *flow->published;
  r.flow_id = flow->id;
  r.flow_version = published.version;
  flow::FlowPosition start{published.compiled->start, 0, flow::Waiting::none};
  auto turn = advance_call(published, r, start, flow::FlowEvent{}, now, select);
  d.actions = std::move(turn.actions);
  if (!d.actions.empty() && std::holds_alternative<flow::RejectAction>(d.actions.front())) {
    r.disposition = "rejected";
  } else if (published.compiled->analyze_audio) {
    // From the first document, before anyone is rung: the whole call is heard.
    d.actions.insert(d.actions.begin(), flow::StreamAudioAction{org.id, r.sid});
  }
  return d;
}

}  // namespace callrouter::engine
