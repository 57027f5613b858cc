// The configuration objects the engine routes with — organisations, their numbers and flows —
// held in memory and looked up without touching the journal. Owned by the event-loop thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>
#include <memory>
#include <string>
#include <unordered_map>

#include "auth/api_key.hpp"
#include "common/time.hpp"
#include "flow/compiled_flow.hpp"

namespace callrouter::engine {

struct Org {
  std::string id;
  std::string name;
  std::string account_sid;
  std::string auth_token;  // needed in clear to check HMAC signatures
  std::string timezone;
  std::string support_number;
  // Optional: the secret of Twilio's shared-key signing (webhooks carrying
  // X-Twilio-Webhooks-Signature-Settings are checked with it, not the auth token). Write-only.
  std::string webhook_shared_key = {};
};

struct NumberEntry {
  std::string number;  // E.164
  std::string org_id;
  std::string country;
  std::string type;  // local, mobile, toll_free
  std::string flow_id;
  // Bought through callrouter (seeded numbers have none of these and pay no monthly fee).
  std::string provider_sid;                // the provider's id (PN…), to release it
  std::optional<Timestamp> purchased_at;   // fee k is due k months after this
  std::int64_t last_fee_index = 0;         // 0: the first month, paid at purchase
  bool overdue = false;                    // a monthly fee could not be paid (docs/billing.md)
};

struct PublishedFlow {
  std::uint32_t version = 0;
  std::string published_at;
  std::string definition_json;
  // Shared so that calls in progress keep the version they started on across a publish.
  std::shared_ptr<const flow::CompiledFlow> compiled;
};

struct FlowEntry {
  std::string id;
  std::string org_id;
  std::string name;
  std::string description;
  bool enabled = false;
  bool deleted = false;    // kept so calls still on one of its versions can finish
  std::string draft_json;  // empty: no draft
  std::shared_ptr<const PublishedFlow> published;  // the latest version; null: never published
  std::map<std::uint32_t, std::shared_ptr<const PublishedFlow>> versions;  // every published version

  const PublishedFlow* version(std::uint32_t v) const {
    auto it = versions.find(v);
    return it == versions.end() ? nullptr : it->second.get();
  }
};

// A telephony user: an agent rung as a softphone <Client> identity or an outside phone.
// Group membership lives in TelephonyGroup::members (ordered), the one place it is stored.
struct TelephonyUser {
  std::string id;
  std::string org_id;
  std::string name;
  std::string client;  // softphone identity
  std::string phone;   // E.164 to ring instead, if no client
  bool allow_outgoing = false;
  bool record_outgoing = false;
  std::string caller_id;
  bool allow_custom_caller_id = false;
  std::string presence = "offline";  // available | away | offline (as the agent set it)
  // Outside numbers the user asked to present (allow_custom_caller_id), with the provider's
  // verification state: "pending", "verified" or "failed". Only verified ones may be presented.
  std::map<std::string, std::string> custom_caller_ids;
  bool may_present(std::string_view number) const {
    auto it = custom_caller_ids.find(std::string(number));
    return allow_custom_caller_id && it != custom_caller_ids.end() && it->second == "verified";
  }
};

struct TelephonyGroup {
  std::string id;
  std::string org_id;
  std::string name;
  std::vector<std::string> members;  // ordered
  int wrap_up_s = 0;
};

// Heterogeneous lookup: string_view keys on the hot path without building std::strings.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

class Directory {
 public:
  const Org* org(std::string_view id) const;
  const Org* org_by_account(std::string_view account_sid) const;
  const NumberEntry* number(std::string_view e164) const;
  const FlowEntry* flow(std::string_view org_id, std::string_view flow_id) const;
  const auth::ApiKey* key(std::string_view key_id) const;
  const TelephonyUser* user(std::string_view org_id, std::string_view user_id) const;
  const TelephonyGroup* group(std::string_view org_id, std::string_view group_id) const;
  template <class Visit>
  void for_each_flow(std::string_view org_id, Visit&& visit) const {
    if (auto it = flows_.find(org_id); it != flows_.end()) {
      for (const auto& [id, f] : it->second) visit(f);
    }
  }
  template <class Visit>
  void for_each_org(Visit&& visit) const {
    for (const auto& [id, o] : orgs_) visit(o);
  }
  template <class Visit>
  void for_each_user(std::string_view org_id, Visit&& visit) const {
    if (auto it = users_.find(org_id); it != users_.end()) {
      for (const auto& [id, u] : it->second) visit(u);
    }
  }
  template <class Visit>
  void for_each_group(std::string_view org_id, Visit&& visit) const {
    if (auto it = groups_.find(org_id); it != groups_.end()) {
      for (const auto& [id, g] : it->second) visit(g);
    }
  }
  template <class Visit>
  void for_each_number(std::string_view org_id, Visit&& visit) const {
    for (const auto& [n, entry] : numbers_) {
      if (entry.org_id == org_id) visit(entry);
    }
  }
  std::size_t org_count() const { return orgs_.size(); }
  template <class Visit>
  void for_each_key(std::string_view org_id, Visit&& visit) const {
    for (const auto& [id, k] : keys_) {
      if (k.org_id == org_id) visit(k);
    }
  }

  void put_org(Org org);
  void put_number(NumberEntry number);
  void put_flow(FlowEntry flow);
  void put_key(auth::ApiKey key);
  void put_user(TelephonyUser user);
  void put_group(TelephonyGroup group);
  // Undo of a put whose journal write failed.
  void erase_org(std::string_view id);
  void erase_number(std::string_view e164);
  void erase_key(std::string_view id);
  void erase_flow(std::string_view org_id, std::string_view id);
  void erase_user(std::string_view org_id, std::string_view id);
  void erase_group(std::string_view org_id, std::string_view id);

 private:
  StringMap<Org> orgs_;
  StringMap<std::string> org_by_account_;
  StringMap<NumberEntry> numbers_;           // numbers are globally unique
  StringMap<StringMap<FlowEntry>> flows_;    // org id -> flow id -> flow
  StringMap<auth::ApiKey> keys_;             // key ids are random and global
  StringMap<StringMap<TelephonyUser>> users_;    // org id -> user id -> user
  StringMap<StringMap<TelephonyGroup>> groups_;  // org id -> group id -> group
};

}  // namespace callrouter::engine
