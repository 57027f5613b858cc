// /v1/users and /v1/groups: telephony users (agents) and the groups that ring them, and each
// agent's presence. Admins configure; an agent reads itself and sets its own presence.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "api/directory_bodies.hpp"
#include "api/setting_bodies.hpp"
#include "app/api_support.hpp"
#include "app/app.hpp"
#include "common/identifiers.hpp"
#include "common/json_writer.hpp"
#include "store/config_records.hpp"

namespace callrouter::app {

using server::HttpRequest;
using server::HttpResponse;
using server::json_error;
using server::Reply;

void App::write_user(JsonWriter& w, const engine::TelephonyUser& u) const {
  w.begin_object().field("id", u.id).field("name", u.name);
  w.key("groups").begin_array();
  directory_.for_each_group(u.org_id, [&](const engine::TelephonyGroup& g) {
    if (std::find(g.members.begin(), g.members.end(), u.id) != g.members.end()) w.value(g.id);
  });
  w.end_array();
  string_or_null(w, "client", u.client);
  string_or_null(w, "phone", u.phone);
  w.field("allow_outgoing", u.allow_outgoing).field("record_outgoing", u.record_outgoing);
  string_or_null(w, "caller_id", u.caller_id);
  w.field("allow_custom_caller_id", u.allow_custom_caller_id).field("presence", engine_.presence_of(u, clock_()));
  w.key("custom_caller_ids").begin_array();
  for (const auto& [number, status] : u.custom_caller_ids) w.begin_object().field("number", number).field("status", status).end_object();
  w.end_array().end_object();
}

std::vector<std::string> App::flows_referencing(std::string_view org_id, bool group, std::string_view id) const {
  std::vector<std::string> names;
  directory_.for_each_flow(org_id, [&](const engine::FlowEntry& f) {
    if (f.deleted || !f.published) return;
    for (const auto& s : f.published->compiled->states) {
      bool uses = std::visit(
          [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, flow::RingUserState>) return !group && x.user == id;
            if constexpr (std::is_same_v<T, flow::RingGroupState>) return group && x.group == id;
            if constexpr (std::is_same_v<T, flow::VoicemailState>) return group ? x.notify_group == id : x.notify_user == id;
            return false;
          },
          s.settings);
      if (uses) {
        names.push_back(f.id);
        return;
      }
    }
  });
  return names;
}

void App::list_users(std::string_view group_filter, const Principal& who, Reply reply) {
  const engine::TelephonyGroup* group = nullptr;
  if (!group_filter.empty()) {
    group = directory_.group(who.org_id, group_filter);
    if (group == nullptr) return reply(json_error(404, "not_found", "no such group"));
  }
  // An agent sees itself only, as GET /v1/users/{id} does.
  auto visible = [&](std::string_view id) { return who.role != auth::Role::agent || who.user_id == id; };
  JsonWriter w;
  w.begin_object().key("users").begin_array();
  if (group != nullptr) {
    for (const auto& m : group->members) {
      const auto* u = directory_.user(who.org_id, m);
      if (u != nullptr && visible(u->id)) write_user(w, *u);
    }
  } else {
    directory_.for_each_user(who.org_id, [&](const engine::TelephonyUser& u) {
      if (visible(u.id)) write_user(w, u);
    });
  }
  w.end_array().end_object();
  reply(json_answer(200, w.take()));
}

void App::get_user(std::string_view id, const Principal& who, Reply reply) {
  const auto* u = directory_.user(who.org_id, id);
  if (u == nullptr || (who.role == auth::Role::agent && who.user_id != id)) {
    return reply(json_error(404, "not_found", "no such user"));
  }
  JsonWriter w;
  write_user(w, *u);
  reply(json_answer(200, w.take()));
}

void App::save_user(std::string_view id, HttpRequest&& request, const Principal& who, Reply reply) {
  const bool creating = id.empty();
  const auto* before = creating ? nullptr : directory_.user(who.org_id, id);
  if (!creating && before == nullptr) return reply(json_error(404, "not_found", "no such user"));
  engine::TelephonyUser u = before ? *before : engine::TelephonyUser{};
  auto read = api::read_user_body(request.body, u, creating);
  if (!read) return reply(json_error(400, "invalid_request", read.error()));
  const auto& groups = read->groups;
  u.org_id = who.org_id;
  if (creating) {
    if (!is_valid_id(u.id)) return reply(json_error(400, "invalid_request", "field 'id': must match [a-z0-9_-]{1,64}"));
    if (directory_.user(who.org_id, u.id) != nullptr) return reply(json_error(409, "conflict", "a user with this id exists"));
    if (u.name.empty()) u.name = u.id;
  }
  if (!u.caller_id.empty()) {
    const auto* n = directory_.number(u.caller_id);
    if ((n == nullptr || n->org_id != who.org_id) && !u.may_present(u.caller_id)) {
      return reply(json_error(400, "invalid_request",
                              "field 'caller_id': must be one of the org's numbers or a verified custom caller ID"));
    }
  }
  store::WriteSet ops{store::put_user(u)};
  // Membership is stored on groups; a user's `groups` adds it to those and removes it elsewhere.
  std::vector<engine::TelephonyGroup> changed_groups;
  if (groups) {
    for (const auto& g : *groups) {
      if (directory_.group(who.org_id, g) == nullptr) {
        return reply(json_error(400, "invalid_request", fmt::format("field 'groups': no group '{}'", g)));
      }
    }
    directory_.for_each_group(who.org_id, [&](const engine::TelephonyGroup& g) {
      bool member = std::find(g.members.begin(), g.members.end(), u.id) != g.members.end();
      bool wanted = std::find(groups->begin(), groups->end(), g.id) != groups->end();
      if (member == wanted) return;
      auto copy = g;
      if (wanted) {
        copy.members.push_back(u.id);
      } else {
        copy.members.erase(std::remove(copy.members.begin(), copy.members.end(), u.id), copy.members.end());
      }
      changed_groups.push_back(std::move(copy));
    });
  }
  for (const auto& g : changed_groups) ops.push_back(store::put_group(g));
  std::optional<engine::TelephonyUser> previous;
  if (before) previous = *before;
  std::vector<engine::TelephonyGroup> previous_groups;
  for (const auto& g : changed_groups) previous_groups.push_back(*directory_.group(who.org_id, g.id));
  directory_.put_user(u);
  for (const auto& g : changed_groups) directory_.put_group(g);
  commit_.submit(std::move(ops), [this, u, previous, previous_groups, creating, reply = std::move(reply)](bool durable) {
    if (!durable) {
      if (previous) {
        directory_.put_user(*previous);
      } else {
        directory_.erase_user(u.org_id, u.id);
      }
      for (const auto& g : previous_groups) directory_.put_group(g);
      return reply(json_error(503, "journal_unavailable", "the user could not be stored; retry"));
    }
    engine_.sync_user(u.org_id, u, clock_());
    for (const auto& g : previous_groups) {
      if (const auto* now_group = directory_.group(u.org_id, g.id)) engine_.sync_group(u.org_id, *now_group);
    }
    // Answer with what was stored: another request may have changed or removed the user since.
    JsonWriter w;
    write_user(w, u);
    reply(json_answer(creating ? 201 : 200, w.take()));
  });
}

void App::delete_user(std::string_view id, const Principal& who, Reply reply) {
  const auto* u = directory_.user(who.org_id, id);
  if (u == nullptr) return reply(json_error(404, "not_found", "no such user"));
  auto flows = flows_referencing(who.org_id, false, id);
  if (!flows.empty()) {
    return reply(json_error(409, "in_use", fmt::format("published flows use this user: {}", fmt::join(flows, ", "))));
  }
  auto before = *u;
  store::WriteSet ops{store::erase_user(who.org_id, before.id)};
  // The user's agent keys go with it, so a later user with the same id does not inherit them.
  std::vector<auth::ApiKey> revoked_keys;
  directory_.for_each_key(who.org_id, [&](const auth::ApiKey& k) {
    if (k.role == auth::Role::agent && k.user_id == before.id && !k.revoked) {
      auto r = k;
      r.revoked = true;
      revoked_keys.push_back(r);
    }
  });
  for (const auto& k : revoked_keys) {
    ops.push_back(store::put_key(k));
    directory_.put_key(k);
  }
  std::vector<engine::TelephonyGroup> previous_groups;
  directory_.for_each_group(who.org_id, [&](const engine::TelephonyGroup& g) {
    if (std::find(g.members.begin(), g.members.end(), before.id) == g.members.end()) return;
    previous_groups.push_back(g);
  });
  for (auto g : previous_groups) {
    g.members.erase(std::remove(g.members.begin(), g.members.end(), before.id), g.members.end());
    ops.push_back(store::put_group(g));
    directory_.put_group(g);
  }
  directory_.erase_user(who.org_id, before.id);
  commit_.submit(std::move(ops), [this, before, previous_groups, revoked_keys, reply = std::move(reply)](bool durable) {
    if (!durable) {
      directory_.put_user(before);
      for (const auto& g : previous_groups) directory_.put_group(g);
      for (auto k : revoked_keys) {
        k.revoked = false;
        directory_.put_key(k);
      }
      return reply(json_error(503, "journal_unavailable", "the user could not be removed; retry"));
    }
    engine_.remove_agent(before.org_id, before.id);
    agents_.disconnect(before.org_id, before.id);
    reply(json_answer(200, fmt::format(R"({{"id":"{}","deleted":true}})", before.id)));
  });
}

void App::set_presence(std::string_view id, HttpRequest&& request, const Principal& who, Reply reply) {
  const auto* u = directory_.user(who.org_id, id);
  if (u == nullptr || (who.role == auth::Role::agent && who.user_id != id)) {
    return reply(json_error(404, "not_found", "no such user"));
  }
  auto presence = api::read_presence_body(request.body);
  if (!presence) return reply(json_error(400, "invalid_request", presence.error()));
  change_presence(who.org_id, id, *presence, [this, reply = std::move(reply)](const engine::TelephonyUser* updated, HttpResponse error) {
    if (updated == nullptr) return reply(std::move(error));
    JsonWriter w;
    write_user(w, *updated);
    reply(json_answer(200, w.take()));
  });
}

void App::change_presence(std::string_view org_id, std::string_view user_id, std::string_view presence,
                          std::function<void(const engine::TelephonyUser*, HttpResponse)> done) {
  if (presence != "available" && presence != "away" && presence != "offline") {
    return done(nullptr, json_error(400, "invalid_request", "field 'presence': must be available, away or offline"));
  }
  const auto* u = directory_.user(org_id, user_id);
  if (u == nullptr) return done(nullptr, json_error(404, "not_found", "no such user"));
  auto before = *u;
  auto updated = before;
  updated.presence = std::string(presence);
  directory_.put_user(updated);
  commit_.submit({store::put_user(updated)}, [this, before, updated, done = std::move(done)](bool durable) {
    if (!durable) {
      directory_.put_user(before);
      return done(nullptr, json_error(503, "journal_unavailable", "presence could not be stored; retry"));
    }
    // The agent is told, and an agent now available may take a queued caller.
    apply(engine::PresenceStoredEvent{updated}, nullptr);
    done(&updated, {});
  });
}

void App::write_group(JsonWriter& w, const engine::TelephonyGroup& g) const {
  w.begin_object().field("id", g.id).field("name", g.name).key("members").begin_array();
  for (const auto& m : g.members) w.value(m);
  w.end_array().field("wrap_up_s", static_cast<std::int64_t>(g.wrap_up_s)).end_object();
}

void App::list_groups(const Principal& who, Reply reply) {
  JsonWriter w;
  w.begin_object().key("groups").begin_array();
  directory_.for_each_group(who.org_id, [&](const engine::TelephonyGroup& g) { write_group(w, g); });
  w.end_array().end_object();
  reply(json_answer(200, w.take()));
}

void App::get_group(std::string_view id, const Principal& who, Reply reply) {
  const auto* g = directory_.group(who.org_id, id);
  if (g == nullptr) return reply(json_error(404, "not_found", "no such group"));
  JsonWriter w;
  write_group(w, *g);
  reply(json_answer(200, w.take()));
}

void App::save_group(std::string_view id, HttpRequest&& request, const Principal& who, Reply reply) {
  const bool creating = id.empty();
  const auto* before = creating ? nullptr : directory_.group(who.org_id, id);
  if (!creating && before == nullptr) return reply(json_error(404, "not_found", "no such group"));
  engine::TelephonyGroup g = before ? *before : engine::TelephonyGroup{};
  g.org_id = who.org_id;
  if (auto read = api::read_group_body(request.body, g, creating); !read) {
    return reply(json_error(400, "invalid_request", read.error()));
  }
  for (const auto& m : g.members) {
    if (directory_.user(who.org_id, m) == nullptr) {
      return reply(json_error(400, "invalid_request", fmt::format("field 'members': no user '{}'", m)));
    }
  }
  if (creating) {
    if (!is_valid_id(g.id)) return reply(json_error(400, "invalid_request", "field 'id': must match [a-z0-9_-]{1,64}"));
    if (directory_.group(who.org_id, g.id) != nullptr) return reply(json_error(409, "conflict", "a group with this id exists"));
    if (g.name.empty()) g.name = g.id;
  }
  std::optional<engine::TelephonyGroup> previous;
  if (before) previous = *before;
  directory_.put_group(g);
  commit_.submit({store::put_group(g)}, [this, g, previous, creating, reply = std::move(reply)](bool durable) {
    if (!durable) {
      if (previous) {
        directory_.put_group(*previous);
      } else {
        directory_.erase_group(g.org_id, g.id);
      }
      return reply(json_error(503, "journal_unavailable", "the group could not be stored; retry"));
    }
    engine_.sync_group(g.org_id, g);
    JsonWriter w;
    write_group(w, g);
    reply(json_answer(creating ? 201 : 200, w.take()));
  });
}

void App::delete_group(std::string_view id, const Principal& who, Reply reply) {
  const auto* g = directory_.group(who.org_id, id);
  if (g == nullptr) return reply(json_error(404, "not_found", "no such group"));
  auto flows = flows_referencing(who.org_id, true, id);
  if (!flows.empty()) {
    return reply(json_error(409, "in_use", fmt::format("published flows use this group: {}", fmt::join(flows, ", "))));
  }
  auto before = *g;
  directory_.erase_group(who.org_id, before.id);
  commit_.submit({store::erase_group(who.org_id, before.id)},
                  [this, before, reply = std::move(reply)](bool durable) {
                    if (!durable) {
                      directory_.put_group(before);
                      return reply(json_error(503, "journal_unavailable", "the group could not be removed; retry"));
                    }
                    auto emptied = before;
                    emptied.members.clear();
                    engine_.sync_group(before.org_id, emptied);
                    reply(json_answer(200, fmt::format(R"({{"id":"{}","deleted":true}})", before.id)));
                  });
}

}  // namespace callrouter::app
