#include "sim/bench_seed.hpp"

#include <fmt/format.h>

namespace callrouter::sim {

std::vector<SimOrg> make_orgs(const SeedShape& shape) {
  std::vector<SimOrg> orgs;
  for (int i = 0; i < shape.orgs; ++i) {
    SimOrg o;
    o.account.org_id = fmt::format("bench-{}", i);
    o.account.account_sid = fmt::format("AC{:032x}", 0xbe0c0000ULL + static_cast<unsigned>(i));
    o.account.auth_token = fmt::format("{:032x}", 0x5eed0000ULL * 7919 + static_cast<unsigned>(i) * 104729);
    o.direct_number = fmt::format("+8150{:04d}0001", i);
    o.reception_number = fmt::format("+8150{:04d}0002", i);
    for (int k = 0; k < shape.agents_per_org; ++k) {
      o.agents.push_back({o.account.org_id, fmt::format("u_{}_{}", i, k), fmt::format("a{}x{}", i, k)});
    }
    orgs.push_back(std::move(o));
  }
  return orgs;
}

namespace {

// The states both flows share: the sales group with its queue, voicemail, hang-up.
std::string shared_states(const SeedShape& s, const SimOrg& o, bool with_support) {
  return fmt::format(R"JSON(
  {{"id": "sales", "type": "ring_group", "group": "sales", "strategy": "round_robin", "ring_timeout_s": {0},
    "queue": {{"max_callers": {1}, "max_wait_s": 60,
               "announcement": {{"text": "ただいま混み合っております。そのままお待ちください。", "language": "ja-JP"}},
               "announce_every_s": 30}},
    "on": {{"no_answer": "vm", "queue_full": "vm", "timeout": "vm"}}}},{2}
  {{"id": "vm", "type": "voicemail",
    "greeting": {{"text": "ただいま電話に出ることができません。発信音の後にメッセージをどうぞ。", "language": "ja-JP"}},
    "max_length_s": 60, "next": "bye"}},
  {{"id": "bye", "type": "hangup"}})JSON",
                     s.ring_timeout_s, s.queue_max_callers,
                     with_support ? fmt::format(R"JSON(
  {{"id": "support", "type": "ring_user", "user": "{}", "ring_timeout_s": 15,
    "on": {{"no_answer": "vm", "busy": "vm", "unavailable": "vm"}}}},)JSON",
                                                o.agents.empty() ? std::string("nobody") : o.agents[0].user_id)
                                  : std::string());
}

constexpr std::string_view kGreeting =
    R"({"id": "greeting", "type": "say", "say": {"text": "お電話ありがとうございます。", "language": "ja-JP", "voice": "Polly.Mizuki"}, "next": "%NEXT%"})";

std::string greeting(std::string_view next) {
  std::string g(kGreeting);
  g.replace(g.find("%NEXT%"), 6, next);
  return g;
}

}  // namespace

std::string seed_json(const std::vector<SimOrg>& orgs, const SeedShape& shape) {
  std::string out = "{\"orgs\": [\n";
  for (std::size_t i = 0; i < orgs.size(); ++i) {
    const auto& o = orgs[i];
    std::string users, members;
    for (const auto& a : o.agents) {
      if (!users.empty()) users += ",\n    ";
      if (!members.empty()) members += ", ";
      users += fmt::format(R"({{"id": "{}", "name": "Agent {}", "client": "{}", "presence": "available", "allow_outgoing": true, "caller_id": "{}"}})",
                           a.user_id, a.user_id, a.client, o.direct_number);
      members += fmt::format("\"{}\"", a.user_id);
    }
    // The direct line has no menu, so its flow must not hold the (unreachable) support state.
    const auto direct_states = shared_states(shape, o, false);
    const auto reception_states = shared_states(shape, o, true);
    // Open around the clock: the benchmark must not depend on the hour it runs at.
    const std::string hours =
        R"({"id": "hours", "type": "business_hours", "timezone": "Asia/Tokyo",
    "weekly": {"mon": [["00:00", "24:00"]], "tue": [["00:00", "24:00"]], "wed": [["00:00", "24:00"]], "thu": [["00:00", "24:00"]],
               "fri": [["00:00", "24:00"]], "sat": [["00:00", "24:00"]], "sun": [["00:00", "24:00"]]},
    "on": {"open": "menu", "closed": "vm"}})";
    const std::string menu =
        R"({"id": "menu", "type": "menu", "prompt": {"text": "営業は1を、サポートは2を押してください。", "language": "ja-JP"},
    "options": {"1": "sales", "2": "support"}, "timeout_s": 5, "attempts": 2, "on": {"no_input": "sales", "invalid": "sales"}})";
    out += fmt::format(R"JSON({{
  "id": "{0}", "name": "Bench {0}", "account_sid": "{1}", "auth_token": "{2}", "timezone": "Asia/Tokyo",
  "support_number": "{3}",
  "numbers": [{{"number": "{3}", "country": "JP", "type": "local", "flow_id": "direct"}},
              {{"number": "{4}", "country": "JP", "type": "local", "flow_id": "reception"}}],
  "users": [
    {5}],
  "groups": [{{"id": "sales", "name": "Sales", "members": [{6}], "wrap_up_s": {7}}}],
  "flows": [
    {{"id": "direct", "enabled": true, "definition": {{"name": "Direct", "start": "greeting", "states": [
      {8}, {9}]}}}},
    {{"id": "reception", "enabled": true, "definition": {{"name": "Reception", "start": "greeting", "states": [
      {10}, {11}, {12}, {13}]}}}}
  ]
}})JSON",
                       o.account.org_id, o.account.account_sid, o.account.auth_token, o.direct_number, o.reception_number,
                       users, members, shape.wrap_up_s, greeting("sales"), direct_states, greeting("hours"), hours, menu,
                       reception_states);
    out += i + 1 < orgs.size() ? ",\n" : "\n";
  }
  out += "]}\n";
  return out;
}

}  // namespace callrouter::sim
