// Moves a call through its flow: one evaluation step, with ring requests resolved to the people
// who ring, and the call record updated with where the call now waits and the path it took.
#pragma once

#include "common/time.hpp"
#include "engine/call_record.hpp"
#include "engine/directory.hpp"
#include "flow/evaluate.hpp"

namespace callrouter::engine {

struct FlowTurn {
  flow::CallActions actions;
  bool ended = false;
};

// `published` is the version the call is pinned to. `record` is updated in place.
FlowTurn advance_call(const Directory& directory, const PublishedFlow& published, CallRecord& record,
                      flow::FlowPosition at, const flow::FlowEvent& event, Timestamp now);

// Who rings for a ring state. Until the agent layer (ACD) lands, every available member of the
// group (or the user) with a softphone or phone rings at once, at most 10 as the provider allows.
std::vector<flow::DialTarget> ring_targets(const Directory& directory, std::string_view org_id,
                                           const flow::AssignRequest& request);

// Where `record` says the call is (kNoState when it is not in a flow of `flow`).
flow::FlowPosition position_of(const flow::CompiledFlow& flow, const CallRecord& record);

}  // namespace callrouter::engine
