// A workflow rule (DESIGN §4): on a trigger, when its conditions hold, call the CRM's webhook,
// optionally after delay_s. Parsed from the API body (400 messages name the field) and from the
// stored config record; written back without the secret for the API, with it for the journal.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/expected.hpp"
#include "common/time.hpp"
#include "workflows/conditions.hpp"
#include "workflows/trigger.hpp"

namespace callrouter {
class JsonWriter;
}

namespace callrouter::workflows {

inline constexpr std::int64_t kMaxDelayS = 7 * 86'400;  // the CRM's "execute after", up to a week

struct WebhookAction {
  std::string url;
  std::string secret;  // "whsec_…": write-only, never shown by the API
};

struct Workflow {
  std::string org_id;
  std::string id;
  std::string name;
  bool enabled = true;
  Trigger trigger = Trigger::missed_call;
  Conditions conditions;
  WebhookAction action;
  std::int64_t delay_s = 0;
  // Set when the daemon disabled the rule itself (the receiver answered 410 Gone); cleared when
  // an admin enables it again.
  std::string disabled_reason;
  Timestamp created_at{};
  Timestamp updated_at{};
};

// Where a body comes from: the API (creating a rule or changing one; only API fields) or the
// journal (every field, the secret included, checked as it was when saved).
enum class Source { create, update, stored };

struct ParseOptions {
  Source source = Source::create;
  bool allow_private_networks = false;  // workflows.allow_private_networks
};

struct Parsed {
  Workflow workflow;
  bool secret_generated = false;  // created without a secret: one was made (shown once)
};

// Applies the fields of `json` to `base` (an update starts from the stored rule; a create from a
// default one). A create needs id, trigger and action.url; a missing secret is generated.
Expected<Parsed> parse_workflow(std::string_view json, Workflow base, const ParseOptions& options);

// The API shape: DESIGN §4 workflow, with disabled_reason when set, no secret.
void write_workflow(JsonWriter& w, const Workflow& workflow);
// The journal's record: the API shape plus the secret, the org and the times.
std::string stored_json(const Workflow& workflow);

}  // namespace callrouter::workflows
