#include "workflows/trigger.hpp"

#include <array>
#include <utility>

namespace callrouter::workflows {
namespace {

struct TriggerInfo {
  Trigger trigger;
  std::string_view name;
  std::string_view event_type;
  std::string_view direction;
};

constexpr std::array kTriggers{
    TriggerInfo{Trigger::incoming_call_ring, "incoming_call_ring", "call.ringing", "inbound"},
    TriggerInfo{Trigger::incoming_call_start, "incoming_call_start", "call.answered", "inbound"},
    TriggerInfo{Trigger::incoming_call_end, "incoming_call_end", "call.ended", "inbound"},
    TriggerInfo{Trigger::outgoing_call_ring, "outgoing_call_ring", "call.ringing", "outbound"},
    TriggerInfo{Trigger::outgoing_call_start, "outgoing_call_start", "call.answered", "outbound"},
    TriggerInfo{Trigger::outgoing_call_end, "outgoing_call_end", "call.ended", "outbound"},
    TriggerInfo{Trigger::missed_call, "missed_call", "call.missed", "inbound"},
    TriggerInfo{Trigger::voicemail_received, "voicemail_received", "call.voicemail", "inbound"},
};

const TriggerInfo& info(Trigger t) { return kTriggers[static_cast<std::size_t>(t)]; }

}  // namespace

std::optional<Trigger> parse_trigger(std::string_view name) {
  for (const auto& t : kTriggers) {
    if (t.name == name) return t.trigger;
  }
  return std::nullopt;
}

std::string_view trigger_name(Trigger trigger) { return info(trigger).name; }
std::string_view event_type_of(Trigger trigger) { return info(trigger).event_type; }
std::string_view direction_of(Trigger trigger) { return info(trigger).direction; }

std::optional<Trigger> trigger_for(std::string_view event_type, std::string_view direction) {
  // call.missed and call.voicemail are only ever made for inbound calls (events::call_events), so
  // they match whatever the direction says.
  for (const auto& t : kTriggers) {
    if (t.event_type != event_type) continue;
    if (t.trigger == Trigger::missed_call || t.trigger == Trigger::voicemail_received || t.direction == direction) {
      return t.trigger;
    }
  }
  return std::nullopt;
}

}  // namespace callrouter::workflows
