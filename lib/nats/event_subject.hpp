// How a committed call event is addressed on NATS (DESIGN §4): its subject, so a CRM subscribes to
// one org and one event type, and its Nats-Msg-Id, so JetStream stores each event once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace callrouter::nats {

inline constexpr std::string_view kStreamName = "CALLROUTER_EVENTS";
inline constexpr std::string_view kStreamSubjects = "callrouter.events.>";

// "callrouter.events.<org>.<event type>", e.g. callrouter.events.demo.call.ended. Org ids are
// [a-z0-9_-] (is_valid_id) and event types dotted words, so both are safe subject tokens.
std::string event_subject(std::string_view org_id, std::string_view event_type);

// "<org>:<seq>": unique across orgs, stable across restarts and re-publishes.
std::string event_msg_id(std::string_view org_id, std::uint64_t seq);

// The org and seq back from a Msg-Id (the ack handler learns from it which event was stored).
std::optional<std::pair<std::string, std::uint64_t>> parse_event_msg_id(std::string_view msg_id);

}  // namespace callrouter::nats
