// The structured difference between two flow definitions (FLOWS.md JSON), e.g. the published
// version and the draft, for `GET /v1/flows/{id}/diff`. Pure: JSON text in, JSON text out.
#pragma once

#include <string>
#include <string_view>

#include "common/expected.hpp"

namespace callrouter::flow {

// What to call each side in error messages, e.g. {"published", "draft"}.
struct DiffSides {
  std::string_view from = "from";
  std::string_view to = "to";
};

// Compares `from_json` with `to_json`. A side that is empty, only whitespace or `null` is "no
// definition" (no published version yet / no draft): everything on the other side is added/removed.
//
// Output (all keys always present; JSON values in from/to are the original values, minified):
//   {"flow":   {"changed": [{"field": "name", "change": "changed", "from": "Old", "to": "New"}]},
//    "start":  {"from": "a", "to": "b"} | null,
//    "states": {"added":   ["id", ...],
//               "removed": ["id", ...],
//               "changed": [{"id": "menu",
//                            "type": {"from": "say", "to": "menu"},   (only when the type differs)
//                            "fields": [{"path": "options.3", "change": "added", "to": "sales"},
//                                       {"path": "timeout_s", "change": "changed", "from": 5, "to": 8},
//                                       {"path": "prompt.text", "change": "removed", "from": "…"}]}]},
//    "identical": false}
//
// - States are matched by `id`, so reordering is not a change and a rename is removed + added.
//   `added` and `changed` follow the `to` order, `removed` the `from` order.
// - A field path joins object keys with dots (`say.text`, `on.no_input`, `queue.max_wait_s`); keys are
//   used as they are, so a key that itself holds a dot reads like a nested one. A field present on one
//   side only is reported whole at its path ("added" has only `to`, "removed" only `from`).
// - Arrays are compared as whole values: the path names the array, from/to are both whole arrays.
//   Deliberately simple; per-element diffs of `weekly` ranges or `rules` would guess at identity.
//   Likewise an object nested more than 16 levels deep, or under a path over 256 bytes, is compared
//   whole (real flows nest 3 deep), which keeps the output linear in the input.
// - Values compare by JSON type and value, so 5 and 5.0 differ (the compiler reads integers
//   strictly); object key order never matters. Fields are sorted by path (byte order).
// - Top-level fields other than `states` and `start` (name, description, anything else) go under
//   `flow.changed`, with the same path rules (`field` holds the path). `start` and a state's `type`
//   use null for a side that lacks them.
// - `identical` is true exactly when every list is empty and `start` is null.
//
// Errors name the side: not valid JSON, not an object, `states` not an array, a state that is not an
// object or has no string `id`, or an `id` used twice (matching by id would be ambiguous). Anything
// else is compared as it is, so a draft that does not compile yet can still be diffed.
Expected<std::string> diff_flows(std::string_view from_json, std::string_view to_json, DiffSides sides = {});

}  // namespace callrouter::flow
