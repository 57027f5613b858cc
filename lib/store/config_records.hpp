// How configuration objects (orgs, numbers, flows) are keyed and encoded in the `config` column
// family, and how the in-memory Directory is rebuilt from them at start.
#pragma once

#include <string>

#include "common/expected.hpp"
#include "common/time.hpp"
#include "engine/directory.hpp"
#include "store/journal.hpp"

namespace callrouter::store {

// Keys: org id, NUL, kind[, NUL, object id] — one org's objects are contiguous.
std::string org_key(std::string_view org_id);
std::string number_key(std::string_view org_id, std::string_view e164);
std::string flow_key(std::string_view org_id, std::string_view flow_id);
std::string call_key(std::string_view org_id, std::string_view call_sid);
std::string call_time_key(std::string_view org_id, Timestamp started_at, std::string_view call_sid);
std::string call_event_key(std::string_view org_id, std::string_view call_sid, std::string_view kind, std::int64_t seq);
// Idempotency: what was answered to a request, by org and a request identity.
std::string answer_key(std::string_view org_id, std::string_view kind, std::string_view id);

WriteOp put_org(const engine::Org& org);
WriteOp put_number(const engine::NumberEntry& number);
WriteOp erase_number(const engine::NumberEntry& number);
WriteOp put_flow(const engine::FlowEntry& flow);
WriteOp put_key(const auth::ApiKey& key);
WriteOp put_user(const engine::TelephonyUser& user);
WriteOp put_group(const engine::TelephonyGroup& group);

// A published version ready to route with: compiled from its stored definition.
Expected<std::shared_ptr<const engine::PublishedFlow>> published_version(std::uint32_t version, std::string published_at,
                                                                         std::string definition_json);

// Reads every configuration object; a record that cannot be decoded is an error naming its key
// (refusing to start beats routing with half a configuration).
Expected<engine::Directory> load_directory(const Journal& journal);

}  // namespace callrouter::store
