// Custom caller IDs: a user allowed one asks for an outside number to present; the provider
// verifies it (it calls the number and the owner types the code we hand back), reports the result
// to /twilio/caller-id, and only then may click-to-call present it.
#include <fmt/format.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include "api/setting_bodies.hpp"
#include "app/api_support.hpp"
#include "app/app.hpp"
#include "app/provider_refusal.hpp"
#include "provider/twilio/webhook_events.hpp"
#include "common/phone_number.hpp"
#include "provider/twilio/rest_api.hpp"
#include "store/config_records.hpp"

namespace callrouter::app {

using server::HttpRequest;
using server::json_error;
using server::Reply;

void App::request_caller_id(std::string_view user_id, HttpRequest&& request, const Principal& who, Reply reply) {
  if (who.role == auth::Role::agent && who.user_id != user_id) {
    return reply(json_error(403, "forbidden", "agents may only verify their own caller IDs"));
  }
  const auto* user = directory_.user(who.org_id, user_id);
  if (user == nullptr) return reply(json_error(404, "not_found", "no such user"));
  if (!user->allow_custom_caller_id) {
    return reply(json_error(403, "custom_caller_id_not_allowed", "this user may not add custom caller IDs"));
  }
  auto text = api::read_caller_id_body(request.body);
  if (!text) return reply(json_error(400, "invalid_request", text.error()));
  auto number = parse_e164(*text);
  if (!number) return reply(json_error(400, "invalid_number", number.error().message));
  if (rates_ && rates_->is_blocked(number->region)) {
    return reply(json_error(422, "country_blocked", fmt::format("numbers in {} are not supported", number->region)));
  }
  if (const auto* own = directory_.number(number->e164); own && own->org_id == who.org_id) {
    return reply(json_error(409, "conflict", "that is one of the org's numbers: it needs no verification"));
  }
  const auto* org = directory_.org(who.org_id);
  if (org == nullptr || http_ == nullptr) return reply(json_error(503, "unavailable", "the provider API is not reachable"));
  auto ask = twilio::account_request(
      config_.provider_api_base_url, org->account_sid, org->auth_token, "POST", "OutgoingCallerIds.json",
      twilio::form_body({{"PhoneNumber", number->e164},
                         {"FriendlyName", user->id},
                         {"StatusCallback", fmt::format("{}/twilio/caller-id?user={}", config_.public_base_url, user->id)},
                         {"StatusCallbackMethod", "POST"}}));
  ask.max_attempts = 1;  // each request makes the provider phone the number
  http_->send(std::move(ask), [this, org_id = who.org_id, user_id = user->id, e164 = number->e164,
                               reply = std::move(reply)](outbound::OutboundResponse r) {
    simdjson::dom::parser p;
    std::string_view code;
    if (r.status < 200 || r.status >= 300 || p.parse(r.body)["validation_code"].get(code)) {
      return reply(provider_refusal("start the caller ID verification", r, config_.provider_api_base_url));
    }
    const auto* current = directory_.user(org_id, user_id);
    if (current == nullptr) return reply(json_error(404, "not_found", "no such user"));
    auto updated = *current;
    updated.custom_caller_ids[e164] = "pending";
    save_caller_ids(updated, [e164, code = std::string(code), reply = std::move(reply)](bool durable) {
      if (!durable) return reply(json_error(503, "journal_unavailable", "the journal could not record the request; retry"));
      JsonWriter w;
      w.begin_object().field("number", e164).field("status", "pending").field("validation_code", code).end_object();
      reply(json_answer(202, w.take()));
    });
  });
}

void App::save_caller_ids(const engine::TelephonyUser& updated, std::function<void(bool)> done) {
  const auto* before_ptr = directory_.user(updated.org_id, updated.id);
  auto before = before_ptr ? std::optional<engine::TelephonyUser>(*before_ptr) : std::nullopt;
  directory_.put_user(updated);
  commit_.submit({store::put_user(updated)}, [this, before, updated, done = std::move(done)](bool durable) {
    if (!durable && before) directory_.put_user(*before);
    done(durable);
  });
}

void App::twilio_caller_id(HttpRequest&& request, Reply reply) {
  auto verified = verify_twilio(request, reply);
  if (!verified) return;
  const auto& org = *verified->org;
  auto result = twilio::read_caller_id(*verified);
  const auto* user = result ? directory_.user(org.id, result->user_id) : nullptr;
  if (user == nullptr || !user->custom_caller_ids.contains(std::string(result->number))) {
    return reply(json_error(400, "bad_request", "not a verification this org asked for"));
  }
  const std::string number(result->number);
  const std::string_view status = result->success ? "success" : "failed";
  auto updated = *user;
  updated.custom_caller_ids[number] = result->success ? "verified" : "failed";
  if (updated.custom_caller_ids == user->custom_caller_ids) return reply(json_answer(200, R"({"status":"recorded"})"));
  spdlog::info("caller ID {} of user {} (org {}): {}", number, updated.id, org.id, status);
  save_caller_ids(updated, [reply = std::move(reply)](bool durable) {
    reply(durable ? json_answer(200, R"({"status":"recorded"})")
                  : json_error(503, "journal_unavailable", "not recorded; retry"));
  });
}

}  // namespace callrouter::app
