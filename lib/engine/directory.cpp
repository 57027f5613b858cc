#include "engine/directory.hpp"

namespace callrouter::engine {

const Org* Directory::org(std::string_view id) const {
  auto it = orgs_.find(id);
  return it == orgs_.end() ? nullptr : &it->second;
}

const Org* Directory::org_by_account(std::string_view account_sid) const {
  auto it = org_by_account_.find(account_sid);
  return it == org_by_account_.end() ? nullptr : org(it->second);
}

const NumberEntry* Directory::number(std::string_view e164) const {
  auto it = numbers_.find(e164);
  return it == numbers_.end() ? nullptr : &it->second;
}

const FlowEntry* Directory::flow(std::string_view org_id, std::string_view flow_id) const {
  auto org_it = flows_.find(org_id);
  if (org_it == flows_.end()) return nullptr;
  auto it = org_it->second.find(flow_id);
  return it == org_it->second.end() ? nullptr : &it->second;
}

const auth::ApiKey* Directory::key(std::string_view key_id) const {
  auto it = keys_.find(key_id);
  return it == keys_.end() ? nullptr : &it->second;
}

const TelephonyUser* Directory::user(std::string_view org_id, std::string_view user_id) const {
  auto o = users_.find(org_id);
  if (o == users_.end()) return nullptr;
  auto it = o->second.find(user_id);
  return it == o->second.end() ? nullptr : &it->second;
}

const TelephonyGroup* Directory::group(std::string_view org_id, std::string_view group_id) const {
  auto o = groups_.find(org_id);
  if (o == groups_.end()) return nullptr;
  auto it = o->second.find(group_id);
  return it == o->second.end() ? nullptr : &it->second;
}

void Directory::put_user(TelephonyUser user) {
  auto org_id = user.org_id;
  auto id = user.id;
  users_[org_id][id] = std::move(user);
}

void Directory::put_group(TelephonyGroup group) {
  auto org_id = group.org_id;
  auto id = group.id;
  groups_[org_id][id] = std::move(group);
}

void Directory::put_key(auth::ApiKey key) {
  auto id = key.id;
  keys_[id] = std::move(key);
}

void Directory::erase_org(std::string_view id) {
  auto it = orgs_.find(id);
  if (it == orgs_.end()) return;
  org_by_account_.erase(it->second.account_sid);
  orgs_.erase(it);
}

void Directory::erase_flow(std::string_view org_id, std::string_view id) {
  auto o = flows_.find(org_id);
  if (o == flows_.end()) return;
  if (auto it = o->second.find(id); it != o->second.end()) o->second.erase(it);
}

void Directory::erase_user(std::string_view org_id, std::string_view id) {
  if (auto o = users_.find(org_id); o != users_.end()) {
    if (auto it = o->second.find(id); it != o->second.end()) o->second.erase(it);
  }
}

void Directory::erase_group(std::string_view org_id, std::string_view id) {
  if (auto o = groups_.find(org_id); o != groups_.end()) {
    if (auto it = o->second.find(id); it != o->second.end()) o->second.erase(it);
  }
}

void Directory::erase_key(std::string_view id) {
  auto it = keys_.find(id);
  if (it != keys_.end()) keys_.erase(it);
}

void Directory::put_org(Org org) {
  if (auto* old = this->org(org.id)) org_by_account_.erase(old->account_sid);
  org_by_account_[org.account_sid] = org.id;
  auto id = org.id;
  orgs_[id] = std::move(org);
}

void Directory::put_number(NumberEntry number) {
  auto key = number.number;
  numbers_[key] = std::move(number);
}

void Directory::erase_number(std::string_view e164) {
  if (auto it = numbers_.find(e164); it != numbers_.end()) numbers_.erase(it);
}

void Directory::put_flow(FlowEntry flow) {
  auto org_id = flow.org_id;
  auto id = flow.id;
  flows_[org_id][id] = std::move(flow);
}

}  // namespace callrouter::engine
