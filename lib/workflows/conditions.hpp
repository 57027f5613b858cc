// A workflow's conditions: "all" or "any" of a list of rules over the call's facts
// (field op value), parsed once with 400-ready messages naming the field, checked per event.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"
#include "flow/business_hours.hpp"
#include "workflows/call_facts.hpp"

namespace callrouter {
class JsonWriter;
}

namespace callrouter::workflows {

enum class Field { direction, number, caller, user, group, flow, disposition, duration_s, wait_s, business_hours };
enum class Op { eq, ne, in, not_in, prefix, gt, gte, lt, lte };

struct Condition {
  Field field = Field::direction;
  Op op = Op::eq;
  std::vector<std::string> texts;  // string fields: one value, or the list of in / not_in
  std::int64_t number = 0;         // duration_s, wait_s
  bool open = true;                // business_hours: true matches while open, false while closed
  flow::BusinessHours hours;       // business_hours
  std::string hours_json;          // business_hours as given, to show and store it again
};

struct Conditions {
  bool match_all = true;  // "all" | "any"
  std::vector<Condition> rules;  // empty: always matches
};

inline constexpr std::size_t kMaxConditionRules = 20;
inline constexpr std::size_t kMaxConditionValues = 100;

// `element` is the "conditions" value of a workflow body. Errors read
// "field 'conditions.rules[1].value': must be an integer".
Expected<Conditions> parse_conditions(simdjson::dom::element element);

// Is `user` a member of `group`? (The directory answers; conditions stay pure.)
using MemberOf = std::function<bool(std::string_view user, std::string_view group)>;

bool matches(const Conditions& conditions, const CallFacts& facts, const MemberOf& member_of);

// The conditions as the API shows them (and the config record stores them).
void write_conditions(JsonWriter& w, const Conditions& conditions);

}  // namespace callrouter::workflows
