// How workflows and their deliveries are keyed: rules in the `config` column family next to the
// org's other configuration, deliveries in the `outbox` column family (one row per delivery plus
// an index of the pending ones, so start-up reads only what is still owed).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/journal.hpp"
#include "workflows/delivery.hpp"
#include "workflows/workflow.hpp"

namespace callrouter::store {

// config: org NUL "workflow" NUL id
std::string workflow_key(std::string_view org_id, std::string_view workflow_id);
WriteOp put_workflow(const workflows::Workflow& workflow);
WriteOp erase_workflow(std::string_view org_id, std::string_view workflow_id);
// The org's rules; one that cannot be read is an error naming it (refuse to start rather than
// silently drop a rule).
Expected<std::vector<workflows::Workflow>> load_workflows(const Reader& journal, std::string_view org_id);

// outbox: org NUL "wf-delivery" NUL workflow NUL seq (20 digits) → the delivery, so one rule's
// log is one range in event order; and org NUL "wf-pending" NUL seq NUL workflow → "" while
// pending. Both are written by put_delivery, in one batch.
std::string delivery_key(std::string_view org_id, std::string_view workflow_id, std::uint64_t event_seq);
std::string pending_delivery_key(std::string_view org_id, std::uint64_t event_seq, std::string_view workflow_id);
void put_delivery(const workflows::Delivery& delivery, WriteSet& out);

std::optional<workflows::Delivery> read_delivery(const Reader& journal, std::string_view org_id,
                                                 std::string_view workflow_id, std::uint64_t event_seq);
// Up to `limit` deliveries of one rule with event seq > `after`, oldest first.
std::vector<workflows::Delivery> read_deliveries(const Reader& journal, std::string_view org_id,
                                                 std::string_view workflow_id, std::uint64_t after, std::size_t limit);
// Every pending delivery of the org, in event order (start-up).
std::vector<workflows::Delivery> read_pending_deliveries(const Reader& journal, std::string_view org_id);

}  // namespace callrouter::store
