// Moves a call through its flow: one evaluation step, with ring requests resolved to the people
// who ring, and the call record updated with where the call now waits and the path it took.
#pragma once

#include <functional>
#include <optional>

#include "common/time.hpp"
#include "engine/call_record.hpp"
#include "engine/directory.hpp"
#include "flow/evaluate.hpp"

namespace callrouter::engine {

struct FlowTurn {
  flow::CallActions actions;
  bool ended = false;
};

// The agent layer's answer to a ring state: whom to ring (empty: nobody can be rung now) and,
// when nobody can, whether the state's queue is already full.
struct RingDecision {
  std::vector<flow::DialTarget> targets;
  bool queue_full = false;
};
// Records the offers it makes, so it is called only when the call will really ring them.
using RingSelector = std::function<RingDecision(const flow::AssignRequest& request, const CallRecord& call)>;

// `published` is the version the call is pinned to. `record` is updated in place.
FlowTurn advance_call(const PublishedFlow& published, CallRecord& record, flow::FlowPosition at,
                      const flow::FlowEvent& event, Timestamp now, const RingSelector& select);

// The dial target that rings `user`: its softphone, else its phone (nothing if it has neither).
std::optional<flow::DialTarget> dial_target(const TelephonyUser& user);

// Where `record` says the call is (kNoState when it is not in a flow of `flow`).
flow::FlowPosition position_of(const flow::CompiledFlow& flow, const CallRecord& record);

}  // namespace callrouter::engine
