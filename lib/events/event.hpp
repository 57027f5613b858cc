// A committed call event: something that happened to a call, numbered per org once durable.
// History, analytics, workflows, live boards and the change feed (GET /v1/events) read these.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/time.hpp"

namespace callrouter::events {

struct Event {
  std::string org_id;
  std::uint64_t seq = 0;  // per org, from 1, without gaps; 0 until the commit path numbers it
  std::string type;       // "call.ringing", "call.answered", … (docs/events.md)
  Timestamp at{};         // when it happened (as the provider reports it where it does)
  std::string call_sid;
  std::string data;       // a JSON object: the call as it stood after the event
};

// "ev_<org>_<seq>": unique across orgs, stable, the same wherever the event is delivered.
std::string event_id(const Event& event);

// The DESIGN §4 event shape: {"seq","id","type","at","call_sid","data"}. This is also what the
// journal stores, so the change feed serves stored bytes as they are.
std::string to_json(const Event& event);

}  // namespace callrouter::events
