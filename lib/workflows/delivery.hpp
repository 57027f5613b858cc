// One webhook a workflow owes the CRM for one committed event: which event and rule, its status
// and its tries. Journaled in the event's own batch (the outbox), updated after every attempt,
// shown by GET /v1/workflows/{id}/deliveries. The body is not stored: it is made from the journaled
// event at each try (webhook_body), the same bytes every time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/expected.hpp"
#include "common/time.hpp"
#include "events/event.hpp"
#include "workflows/trigger.hpp"

namespace callrouter {
class JsonWriter;
}

namespace callrouter::workflows {

// pending: owed (due at next_attempt_at). delivered: a 2xx. failed: given up on at once (410,
// the rule disabled or deleted). dead: every try of the retry window failed (the dead letter;
// POST /v1/deliveries/{id}/retry sends it again).
enum class DeliveryStatus { pending, delivered, failed, dead };
std::string_view status_name(DeliveryStatus status);

struct Delivery {
  std::string org_id;
  std::string workflow_id;
  std::uint64_t event_seq = 0;
  std::string event_type;
  std::string call_sid;
  Trigger trigger = Trigger::missed_call;  // as the rule said when the event fired it
  DeliveryStatus status = DeliveryStatus::pending;
  int attempts = 0;
  Timestamp created_at{};
  Timestamp next_attempt_at{};  // pending: when it is due (created_at + the rule's delay_s at first)
  Timestamp window_start{};     // the retry window (RetryPolicy::max_age) counts from here
  int attempts_before_window = 0;  // tries before a manual retry opened the window: backoff restarts
  std::optional<Timestamp> last_attempt_at;
  int last_status = 0;          // the last answer's HTTP status, 0: none (yet) or no answer
  std::string last_error;

  bool final() const { return status != DeliveryStatus::pending; }
};

// "msg_<org>_<seq>_<workflow>": the webhook-id, the same on every retry, unique across orgs and
// rules (an event fires a rule once).
std::string delivery_id(std::string_view org_id, std::uint64_t event_seq, std::string_view workflow_id);
std::string delivery_id(const Delivery& d);
// The seq and workflow of an id of `org_id`'s; nullopt when it is not one.
struct DeliveryRef {
  std::uint64_t event_seq;
  std::string workflow_id;
};
std::optional<DeliveryRef> parse_delivery_id(std::string_view org_id, std::string_view id);

// The Standard Webhooks body: {"type","timestamp","data"} plus where it came from.
std::string webhook_body(const events::Event& event, Trigger trigger, std::string_view workflow_id);

// The API's delivery (DESIGN §4) and the journal's record (the same plus the org and the window).
void write_delivery(JsonWriter& w, const Delivery& d);
std::string stored_json(const Delivery& d);
Expected<Delivery> delivery_from_json(std::string_view json);

}  // namespace callrouter::workflows
