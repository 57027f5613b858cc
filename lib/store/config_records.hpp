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
std::string user_key(std::string_view org_id, std::string_view user_id);
std::string group_key(std::string_view org_id, std::string_view group_id);
std::string api_key_key(std::string_view org_id, std::string_view key_id);
std::string call_key(std::string_view org_id, std::string_view call_sid);
std::string call_time_key(std::string_view org_id, Timestamp started_at, std::string_view call_sid);
// org, sid, kind, NUL, 8-byte big-endian seq; every event of one call is under call_events_prefix.
std::string call_event_key(std::string_view org_id, std::string_view call_sid, std::string_view kind, std::int64_t seq);
std::string call_events_prefix(std::string_view org_id, std::string_view call_sid);

WriteOp put_org(const engine::Org& org);
WriteOp put_number(const engine::NumberEntry& number);
WriteOp erase_number(const engine::NumberEntry& number);
WriteOp put_flow(const engine::FlowEntry& flow);
WriteOp put_key(const auth::ApiKey& key);
WriteOp put_user(const engine::TelephonyUser& user);
WriteOp erase_user(std::string_view org_id, std::string_view user_id);
WriteOp put_group(const engine::TelephonyGroup& group);
WriteOp erase_group(std::string_view org_id, std::string_view group_id);

// A published version ready to route with: compiled from its stored definition.
Expected<std::shared_ptr<const engine::PublishedFlow>> published_version(std::uint32_t version, std::string published_at,
                                                                         std::string definition_json);

// Reads every configuration object; a record that cannot be decoded is an error naming its key
// (refusing to start beats routing with half a configuration).
Expected<engine::Directory> load_directory(const Reader& journal);

}  // namespace callrouter::store
