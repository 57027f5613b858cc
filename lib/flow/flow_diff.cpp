#include "flow/flow_diff.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/json_writer.hpp"

namespace callrouter::flow {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

// Real flows nest three objects deep at most (queue.announcement.text). Past these bounds an object
// is reported whole, which keeps the output linear in the input even for hostile definitions
// (otherwise every leaf under a long chain of keys would repeat the whole chain in its path).
constexpr int kMaxPathDepth = 16;
constexpr std::size_t kMaxPathBytes = 256;

// An object's members by key. Sorted, so that field changes come out in path order; the first of
// duplicate keys wins, as it does for simdjson's own lookups.
using Members = std::map<std::string_view, element>;

Members members_of(object o) {
  Members m;
  for (auto [k, v] : o) m.emplace(k, v);
  return m;
}

std::optional<element> take(Members& m, std::string_view key) {
  auto it = m.find(key);
  if (it == m.end()) return std::nullopt;
  element e = it->second;
  m.erase(it);
  return e;
}

// JSON equality: same type and value; object key order does not matter.
bool same(element a, element b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case element_type::ARRAY: {
      array x = a.get_array().value_unsafe();
      array y = b.get_array().value_unsafe();
      if (x.size() != y.size()) return false;
      auto iy = y.begin();
      for (element ex : x) {
        if (!same(ex, *iy)) return false;
        ++iy;
      }
      return true;
    }
    case element_type::OBJECT: {
      Members x = members_of(a.get_object().value_unsafe());
      Members y = members_of(b.get_object().value_unsafe());
      if (x.size() != y.size()) return false;
      for (auto ix = x.begin(), iy = y.begin(); ix != x.end(); ++ix, ++iy) {
        if (ix->first != iy->first || !same(ix->second, iy->second)) return false;
      }
      return true;
    }
    case element_type::INT64: return a.get_int64().value_unsafe() == b.get_int64().value_unsafe();
    case element_type::UINT64: return a.get_uint64().value_unsafe() == b.get_uint64().value_unsafe();
    case element_type::DOUBLE: return a.get_double().value_unsafe() == b.get_double().value_unsafe();
    case element_type::STRING: return a.get_string().value_unsafe() == b.get_string().value_unsafe();
    case element_type::BOOL: return a.get_bool().value_unsafe() == b.get_bool().value_unsafe();
    case element_type::NULL_VALUE: return true;
  }
  return false;
}

bool same(const std::optional<element>& a, const std::optional<element>& b) {
  if (!a || !b) return !a && !b;
  return same(*a, *b);
}

enum class Change { added, removed, changed };

std::string_view change_name(Change c) {
  switch (c) {
    case Change::added: return "added";
    case Change::removed: return "removed";
    case Change::changed: return "changed";
  }
  return "changed";
}

struct FieldChange {
  std::string path;
  Change change;
  std::optional<element> from;
  std::optional<element> to;
};

void diff_members(const std::string& prefix, int depth, const Members& a, const Members& b,
                  std::vector<FieldChange>& out);

void diff_values(std::string path, int depth, element a, element b, std::vector<FieldChange>& out) {
  bool both_objects = a.type() == element_type::OBJECT && b.type() == element_type::OBJECT;
  if (both_objects && depth < kMaxPathDepth && path.size() <= kMaxPathBytes) {
    diff_members(path, depth + 1, members_of(a.get_object().value_unsafe()),
                 members_of(b.get_object().value_unsafe()), out);
  } else if (!same(a, b)) {
    out.push_back({std::move(path), Change::changed, a, b});
  }
}

// Both maps are sorted by key, so one merge pass finds removed, added and common keys.
void diff_members(const std::string& prefix, int depth, const Members& a, const Members& b,
                  std::vector<FieldChange>& out) {
  auto path = [&](std::string_view key) { return prefix.empty() ? std::string(key) : fmt::format("{}.{}", prefix, key); };
  auto ia = a.begin();
  auto ib = b.begin();
  while (ia != a.end() || ib != b.end()) {
    if (ib == b.end() || (ia != a.end() && ia->first < ib->first)) {
      out.push_back({path(ia->first), Change::removed, ia->second, std::nullopt});
      ++ia;
    } else if (ia == a.end() || ib->first < ia->first) {
      out.push_back({path(ib->first), Change::added, std::nullopt, ib->second});
      ++ib;
    } else {
      diff_values(path(ia->first), depth, ia->second, ib->second, out);
      ++ia;
      ++ib;
    }
  }
}

std::vector<FieldChange> diff_fields(const Members& a, const Members& b) {
  std::vector<FieldChange> out;
  diff_members("", 0, a, b, out);
  // Already in key order per level; the full sort puts "a-c" before "a.b" too (plain byte order).
  std::stable_sort(out.begin(), out.end(), [](const FieldChange& x, const FieldChange& y) { return x.path < y.path; });
  return out;
}

struct State {
  std::string_view id;
  std::optional<element> type;
  Members fields;  // without id and type
};

// One side, read just far enough to match states by id; everything else is compared as is.
struct Definition {
  Members fields;  // top level, without states and start
  std::optional<element> start;
  std::vector<State> states;
  std::unordered_map<std::string_view, std::size_t> by_id;
};

bool is_absent(std::string_view json) {
  auto first = json.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return true;
  auto last = json.find_last_not_of(" \t\r\n");
  return json.substr(first, last - first + 1) == "null";
}

Expected<Definition> read_side(simdjson::dom::parser& parser, std::string_view json, std::string_view side) {
  Definition def;
  if (is_absent(json)) return def;
  element root;
  if (auto err = parser.parse(json.data(), json.size()).get(root)) {
    return unexpected(fmt::format("{} is not valid JSON: {}", side, simdjson::error_message(err)));
  }
  object top;
  if (root.get(top) != simdjson::SUCCESS) return unexpected(fmt::format("{} is not a JSON object", side));
  def.fields = members_of(top);
  def.start = take(def.fields, "start");
  auto states_value = take(def.fields, "states");
  if (!states_value) return def;
  array states;
  if (states_value->get(states) != simdjson::SUCCESS) {
    return unexpected(fmt::format("{}: 'states' must be an array", side));
  }
  std::size_t position = 0;
  for (element e : states) {
    object o;
    if (e.get(o) != simdjson::SUCCESS) return unexpected(fmt::format("{}: states[{}] must be an object", side, position));
    State s;
    s.fields = members_of(o);
    auto id = take(s.fields, "id");
    if (!id || id->get(s.id) != simdjson::SUCCESS) {
      return unexpected(fmt::format("{}: states[{}] has no string 'id'", side, position));
    }
    s.type = take(s.fields, "type");
    if (!def.by_id.emplace(s.id, def.states.size()).second) {
      return unexpected(fmt::format("{}: state id '{}' is used more than once", side, s.id));
    }
    def.states.push_back(std::move(s));
    ++position;
  }
  return def;
}

void write_value(JsonWriter& w, std::string_view key, const std::optional<element>& v) {
  w.key(key);
  if (v) {
    w.raw(simdjson::to_string(*v));
  } else {
    w.null();
  }
}

void write_field_changes(JsonWriter& w, std::string_view path_key, const std::vector<FieldChange>& changes) {
  w.begin_array();
  for (const auto& c : changes) {
    w.begin_object().field(path_key, c.path).field("change", change_name(c.change));
    if (c.from) write_value(w, "from", c.from);
    if (c.to) write_value(w, "to", c.to);
    w.end_object();
  }
  w.end_array();
}

struct StateChange {
  std::string_view id;
  const std::optional<element>* type_from = nullptr;  // both set only when the type differs
  const std::optional<element>* type_to = nullptr;
  std::vector<FieldChange> fields;
};

}  // namespace

Expected<std::string> diff_flows(std::string_view from_json, std::string_view to_json, DiffSides sides) {
  // One parser per side: a parser owns the document its elements point into.
  simdjson::dom::parser from_parser;
  simdjson::dom::parser to_parser;
  auto from = read_side(from_parser, from_json, sides.from);
  if (!from) return unexpected(from.error());
  auto to = read_side(to_parser, to_json, sides.to);
  if (!to) return unexpected(to.error());

  auto flow_changes = diff_fields(from->fields, to->fields);
  bool start_changed = !same(from->start, to->start);

  std::vector<std::string_view> added;
  std::vector<std::string_view> removed;
  std::vector<StateChange> changed;
  for (const State& t : to->states) {
    auto it = from->by_id.find(t.id);
    if (it == from->by_id.end()) {
      added.push_back(t.id);
      continue;
    }
    const State& f = from->states[it->second];
    StateChange c{t.id, nullptr, nullptr, diff_fields(f.fields, t.fields)};
    if (!same(f.type, t.type)) {
      c.type_from = &f.type;
      c.type_to = &t.type;
    }
    if (c.type_from || !c.fields.empty()) changed.push_back(std::move(c));
  }
  for (const State& f : from->states) {
    if (!to->by_id.contains(f.id)) removed.push_back(f.id);
  }
  bool identical = flow_changes.empty() && !start_changed && added.empty() && removed.empty() && changed.empty();

  JsonWriter w;
  w.begin_object();
  w.key("flow").begin_object().key("changed");
  write_field_changes(w, "field", flow_changes);
  w.end_object();
  w.key("start");
  if (start_changed) {
    w.begin_object();
    write_value(w, "from", from->start);
    write_value(w, "to", to->start);
    w.end_object();
  } else {
    w.null();
  }
  w.key("states").begin_object();
  w.key("added").begin_array();
  for (auto id : added) w.value(id);
  w.end_array();
  w.key("removed").begin_array();
  for (auto id : removed) w.value(id);
  w.end_array();
  w.key("changed").begin_array();
  for (const auto& c : changed) {
    w.begin_object().field("id", c.id);
    if (c.type_from) {
      w.key("type").begin_object();
      write_value(w, "from", *c.type_from);
      write_value(w, "to", *c.type_to);
      w.end_object();
    }
    w.key("fields");
    write_field_changes(w, "path", c.fields);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  w.field("identical", identical);
  w.end_object();
  return w.take();
}

}  // namespace callrouter::flow
