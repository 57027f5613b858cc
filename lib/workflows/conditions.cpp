#include "workflows/conditions.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <utility>

#include "common/json_writer.hpp"

namespace callrouter::workflows {
namespace {

enum class Kind { text, number, hours };

struct FieldInfo {
  Field field;
  std::string_view name;
  Kind kind;
};

constexpr std::array kFields{
    FieldInfo{Field::direction, "direction", Kind::text},   FieldInfo{Field::number, "number", Kind::text},
    FieldInfo{Field::caller, "caller", Kind::text},         FieldInfo{Field::user, "user", Kind::text},
    FieldInfo{Field::group, "group", Kind::text},           FieldInfo{Field::flow, "flow", Kind::text},
    FieldInfo{Field::disposition, "disposition", Kind::text}, FieldInfo{Field::duration_s, "duration_s", Kind::number},
    FieldInfo{Field::wait_s, "wait_s", Kind::number},       FieldInfo{Field::business_hours, "business_hours", Kind::hours},
};

constexpr std::array<std::pair<Op, std::string_view>, 9> kOps{{{Op::eq, "eq"},
                                                                {Op::ne, "ne"},
                                                                {Op::in, "in"},
                                                                {Op::not_in, "not_in"},
                                                                {Op::prefix, "prefix"},
                                                                {Op::gt, "gt"},
                                                                {Op::gte, "gte"},
                                                                {Op::lt, "lt"},
                                                                {Op::lte, "lte"}}};

const FieldInfo& info(Field f) { return kFields[static_cast<std::size_t>(f)]; }

std::string_view op_name(Op op) {
  for (const auto& [o, name] : kOps) {
    if (o == op) return name;
  }
  return "?";
}

struct Invalid {
  std::string message;
};

[[noreturn]] void fail(std::string_view field, std::string_view what) {
  throw Invalid{fmt::format("field '{}': {}", field, what)};
}

bool allowed(Kind kind, Op op) {
  switch (kind) {
    case Kind::text: return op == Op::eq || op == Op::ne || op == Op::in || op == Op::not_in || op == Op::prefix;
    case Kind::number: return op == Op::eq || op == Op::ne || op == Op::gt || op == Op::gte || op == Op::lt || op == Op::lte;
    case Kind::hours: return op == Op::eq;
  }
  return false;
}

std::string_view allowed_ops(Kind kind) {
  switch (kind) {
    case Kind::text: return "eq, ne, in, not_in, prefix";
    case Kind::number: return "eq, ne, gt, gte, lt, lte";
    case Kind::hours: return "eq";
  }
  return "";
}

std::string short_text(simdjson::dom::element v, std::string_view field) {
  std::string_view s;
  if (v.get(s) != simdjson::SUCCESS) fail(field, "must be a string");
  if (s.empty() || s.size() > 200) fail(field, "must be 1 to 200 bytes");
  return std::string(s);
}

Condition parse_rule(simdjson::dom::element element, const std::string& at) {
  simdjson::dom::object o;
  if (element.get(o) != simdjson::SUCCESS) fail(at, "must be an object {\"field\",\"op\",\"value\"}");
  Condition c;
  std::string_view field_name, op_text;
  if (o["field"].get(field_name) != simdjson::SUCCESS) fail(at + ".field", "is required (a string)");
  const FieldInfo* field = nullptr;
  for (const auto& f : kFields) {
    if (f.name == field_name) field = &f;
  }
  if (field == nullptr) {
    fail(at + ".field", "must be one of direction, number, caller, user, group, flow, disposition, duration_s, "
                        "wait_s, business_hours");
  }
  c.field = field->field;
  if (o["op"].get(op_text) != simdjson::SUCCESS) fail(at + ".op", "is required (a string)");
  bool known = false;
  for (const auto& [op, name] : kOps) {
    if (name == op_text) {
      c.op = op;
      known = true;
    }
  }
  if (!known || !allowed(field->kind, c.op)) {
    fail(at + ".op", fmt::format("for '{}' must be one of {}", field->name, allowed_ops(field->kind)));
  }
  for (auto [k, v] : o) {
    if (k != "field" && k != "op" && k != "value" && !(k == "hours" && field->kind == Kind::hours)) {
      fail(fmt::format("{}.{}", at, k.size() > 40 ? std::string_view("…") : k), "unknown field");
    }
  }
  simdjson::dom::element value;
  const auto value_at = at + ".value";
  if (o["value"].get(value) != simdjson::SUCCESS) fail(value_at, "is required");
  switch (field->kind) {
    case Kind::text:
      if (c.op == Op::in || c.op == Op::not_in) {
        simdjson::dom::array list;
        if (value.get(list) != simdjson::SUCCESS) fail(value_at, "must be a list of strings");
        if (list.size() == 0 || list.size() > kMaxConditionValues) {
          fail(value_at, fmt::format("must list 1 to {} values", kMaxConditionValues));
        }
        std::size_t i = 0;
        for (auto item : list) c.texts.push_back(short_text(item, fmt::format("{}[{}]", value_at, i++)));
      } else {
        c.texts.push_back(short_text(value, value_at));
      }
      if (c.field == Field::direction) {
        for (const auto& t : c.texts) {
          if (t != "inbound" && t != "outbound") fail(value_at, "must be \"inbound\" or \"outbound\"");
        }
      }
      break;
    case Kind::number:
      if (value.get(c.number) != simdjson::SUCCESS || c.number < 0) fail(value_at, "must be an integer ≥ 0");
      break;
    case Kind::hours: {
      std::string_view state;
      if (value.get(state) != simdjson::SUCCESS || (state != "open" && state != "closed")) {
        fail(value_at, "must be \"open\" or \"closed\"");
      }
      c.open = state == "open";
      simdjson::dom::object hours;
      if (o["hours"].get(hours) != simdjson::SUCCESS) {
        fail(at + ".hours", "is required: {\"timezone\", \"weekly\", \"closed_dates\"?, \"open_dates\"?} as in a "
                            "business_hours flow state");
      }
      for (auto [k, v] : hours) {
        (void)v;
        if (k != "timezone" && k != "weekly" && k != "closed_dates" && k != "open_dates") {
          fail(fmt::format("{}.hours.{}", at, k.size() > 40 ? std::string_view("…") : k), "unknown field");
        }
      }
      // The flow's business-hours core: the same zones, hours and dates as a business_hours state.
      auto parsed = flow::parse_business_hours(hours, "");
      if (!parsed) {
        // "state '': field 'weekly.mon': …" → "field 'conditions.rules[0].hours.weekly.mon': …"
        std::string message = parsed.error();
        constexpr std::string_view kPrefix = "state '': field '";
        if (message.starts_with(kPrefix)) message = fmt::format("field '{}.hours.{}", at, message.substr(kPrefix.size()));
        throw Invalid{message};
      }
      c.hours = std::move(*parsed);
      c.hours_json = simdjson::minify(hours);
      break;
    }
  }
  return c;
}

const std::string& text_of(const CallFacts& f, Field field) {
  static const std::string none;
  switch (field) {
    case Field::direction: return f.direction;
    case Field::number: return f.our_number;
    case Field::caller: return f.other_number;
    case Field::user: return f.user_id;
    case Field::flow: return f.flow_id;
    case Field::disposition: return f.disposition;
    default: return none;
  }
}

bool holds(const Condition& c, const CallFacts& f, const MemberOf& member_of) {
  switch (info(c.field).kind) {
    case Kind::hours: return flow::is_open(c.hours, f.at) == c.open;
    case Kind::number: {
      std::optional<std::int64_t> n;
      if (c.field == Field::wait_s) n = f.wait_s;
      if (c.field == Field::duration_s) n = f.duration_s;
      if (!n) return c.op == Op::ne;  // a call still live has no duration: it equals nothing
      switch (c.op) {
        case Op::eq: return *n == c.number;
        case Op::ne: return *n != c.number;
        case Op::gt: return *n > c.number;
        case Op::gte: return *n >= c.number;
        case Op::lt: return *n < c.number;
        case Op::lte: return *n <= c.number;
        default: return false;
      }
    }
    case Kind::text: break;
  }
  auto one = [&](const std::string& want) {
    if (c.field == Field::group) return !f.user_id.empty() && member_of && member_of(f.user_id, want);
    const auto& have = text_of(f, c.field);
    return c.op == Op::prefix ? have.starts_with(want) : have == want;
  };
  const bool any = std::any_of(c.texts.begin(), c.texts.end(), one);
  return (c.op == Op::ne || c.op == Op::not_in) ? !any : any;
}

}  // namespace

Expected<Conditions> parse_conditions(simdjson::dom::element element) {
  Conditions out;
  if (element.is_null()) return out;
  try {
    simdjson::dom::object o;
    if (element.get(o) != simdjson::SUCCESS) fail("conditions", "must be an object {\"match\", \"rules\"}");
    for (auto [k, v] : o) {
      if (k == "match") {
        std::string_view m;
        if (v.get(m) != simdjson::SUCCESS || (m != "all" && m != "any")) fail("conditions.match", "must be \"all\" or \"any\"");
        out.match_all = m == "all";
      } else if (k == "rules") {
        simdjson::dom::array rules;
        if (v.get(rules) != simdjson::SUCCESS) fail("conditions.rules", "must be a list");
        if (rules.size() > kMaxConditionRules) fail("conditions.rules", fmt::format("at most {} rules", kMaxConditionRules));
        std::size_t i = 0;
        for (auto rule : rules) out.rules.push_back(parse_rule(rule, fmt::format("conditions.rules[{}]", i++)));
      } else {
        fail(fmt::format("conditions.{}", k.size() > 40 ? std::string_view("…") : k), "unknown field");
      }
    }
  } catch (const Invalid& e) {
    return unexpected(e.message);
  }
  return out;
}

bool matches(const Conditions& conditions, const CallFacts& facts, const MemberOf& member_of) {
  if (conditions.rules.empty()) return true;
  auto check = [&](const Condition& c) { return holds(c, facts, member_of); };
  return conditions.match_all ? std::all_of(conditions.rules.begin(), conditions.rules.end(), check)
                              : std::any_of(conditions.rules.begin(), conditions.rules.end(), check);
}

void write_conditions(JsonWriter& w, const Conditions& conditions) {
  w.begin_object().field("match", conditions.match_all ? "all" : "any").key("rules").begin_array();
  for (const auto& c : conditions.rules) {
    const auto& f = info(c.field);
    w.begin_object().field("field", f.name).field("op", op_name(c.op)).key("value");
    switch (f.kind) {
      case Kind::text:
        if (c.op == Op::in || c.op == Op::not_in) {
          w.begin_array();
          for (const auto& t : c.texts) w.value(t);
          w.end_array();
        } else {
          w.value(c.texts.front());
        }
        break;
      case Kind::number: w.value(c.number); break;
      case Kind::hours: w.value(c.open ? "open" : "closed").key("hours").raw(c.hours_json); break;
    }
    w.end_object();
  }
  w.end_array().end_object();
}

}  // namespace callrouter::workflows
