// Recording storage plans and deleting recordings (counting them is the engine's:
// engine_charges.cpp).
#include <charconv>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/setting_bodies.hpp"
#include "app/api_support.hpp"
#include "app/app.hpp"
#include "billing/billing_event.hpp"
#include "billing/calendar.hpp"
#include "billing/recording_quota.hpp"
#include "provider/twilio/rest_api.hpp"
#include "store/ledger_records.hpp"

namespace callrouter::app {

using store::recording_key;

void App::set_recording_plan(server::HttpRequest&& request, const Principal& who, server::Reply reply) {
  if (!rates_) return reply(server::json_error(503, "billing_not_configured", "no rate card is configured (billing.rates_file)"));
  auto read = api::read_recording_plan_body(request.body);
  if (!read) return reply(server::json_error(400, "invalid_request", read.error()));
  const std::string_view plan_id = *read;
  const auto& wallet = wallets_.wallet(who.org_id);
  auto usage = billing::with_recording_plan(wallet.recording, *rates_, plan_id);
  if (!usage) return reply(billing_refusal(usage.error()));
  const auto* plan = rates_->recording_plan(plan_id);
  const auto now = clock_();
  auto answer = [this, org = who.org_id] {
    return json_answer(200, billing::wallet_api_json(wallets_.wallet(org), wallets_.reserved_micro(org)));
  };
  // The plan's price for this month, once per plan and month (a retried request pays nothing more).
  auto decision = billing::charge_recording_storage(
      wallet, {plan->monthly_price_micro, fmt::format("plan:{}:{}", plan->id, billing::month_key(now)),
               fmt::format("recording plan {}", plan->id)},
      now, wallets_.applied(who.org_id));
  if (!decision) return reply(billing_refusal(decision.error()));
  decision->wallet.recording = *usage;
  commit_wallet(who.org_id, *decision, {}, std::move(answer), std::move(reply));
}

void App::delete_recording(std::string_view recording_sid, const Principal& who, server::Reply reply) {
  auto stored = journal_.get(store::Cf::ledger, recording_key(who.org_id, recording_sid));
  auto text = stored ? store::decode_value(*stored) : std::nullopt;
  if (!text) return reply(server::json_error(404, "not_found", "no such recording"));
  std::int64_t duration_s = 0;
  std::from_chars(text->data(), text->data() + text->size(), duration_s);
  const auto* org = directory_.org(who.org_id);
  if (org == nullptr || http_ == nullptr) return reply(server::json_error(503, "unavailable", "the provider API is not reachable"));
  auto remove = twilio::account_request(config_.provider_api_base_url, org->account_sid, org->auth_token, "DELETE",
                                        fmt::format("Recordings/{}.json", recording_sid));
  remove.content_type.clear();
  http_->send(std::move(remove), [this, org_id = who.org_id, sid = std::string(recording_sid), duration_s,
                                  reply = std::move(reply)](outbound::OutboundResponse r) {
    // 404: the provider has no such recording any more, which is what deleting wants.
    if ((r.status < 200 || r.status >= 300) && r.status != 404) {
      return reply(server::json_error(502, "provider_error", "the provider did not delete the recording; retry"));
    }
    const auto before = wallets_.wallet(org_id);
    auto freed = billing::free_recording(before.recording, sid, duration_s, wallets_.applied(org_id));
    store::WriteSet ops{{store::Cf::ledger, recording_key(org_id, sid), {}, true}};
    auto wallet = before;
    if (freed && freed->applied) wallet.recording = freed->usage;
    auto ticket = wallets_.stage(wallet, ops);
    if (freed && freed->applied) wallets_.stage_ref(org_id, freed->ref, ops, ticket);
    commit_.submit(std::move(ops), [this, ticket, reply = std::move(reply)](bool durable) {
      wallets_.settle(ticket, durable);
      if (!durable) return reply(server::json_error(503, "journal_unavailable", "the journal could not record the deletion; retry"));
      server::HttpResponse done;
      done.status = 204;
      reply(std::move(done));
    });
  });
}

}  // namespace callrouter::app
