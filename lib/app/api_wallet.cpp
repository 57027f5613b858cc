// /v1/wallet: balance, top-ups, auto-recharge settings, the ledger and usage by month. Every
// change is a ledger decision (lib/billing) journaled with the new wallet in one batch.
#include <fmt/format.h>

#include "api/query_count.hpp"
#include "api/setting_bodies.hpp"
#include "app/api_support.hpp"
#include "app/app.hpp"
#include "billing/usage_summary.hpp"
#include "store/outbox_records.hpp"

namespace callrouter::app {

using server::HttpRequest;
using server::json_error;
using server::Reply;

namespace {

server::HttpResponse billing_error_response(int status, const billing::BillingError& e) {
  return json_error(status, e.code, e.message);
}

// Status for a billing refusal: money missing is 402, a rule of the card 422, bad input 400.
int status_for(const billing::BillingError& e) {
  if (e.code == "insufficient_balance" || e.code == "below_minimum_balance") return 402;
  if (e.code.starts_with("invalid")) return 400;
  return 422;
}

}  // namespace

server::HttpResponse App::billing_refusal(const billing::BillingError& e) const {
  return billing_error_response(status_for(e), e);
}

void App::commit_wallet(std::string_view org_id, const billing::WalletDecision& decision, store::WriteSet ops,
                        std::function<server::HttpResponse()> answer, Reply reply) {
  auto ticket = wallets_.stage(decision, ops);
  stage_billing_events(decision, ops);
  commit_.submit(std::move(ops), [this, ticket, org = std::string(org_id), answer = std::move(answer),
                                   reply = std::move(reply)](bool durable) {
    wallets_.settle(ticket, durable);
    if (!durable) return reply(json_error(503, "journal_unavailable", "the journal could not record the change; retry"));
    reply(answer());
  });
}

void App::get_wallet(const Principal& who, Reply reply) {
  const auto& w = wallets_.wallet(who.org_id);
  reply(json_answer(200, billing::wallet_api_json(w, wallets_.reserved_micro(who.org_id))));
}

void App::topup(HttpRequest&& request, const Principal& who, Reply reply) {
  auto body = api::read_topup_body(request.body);
  if (!body) return reply(json_error(400, body.error().code, body.error().message));
  const auto* amount = &body->amount_micro;
  const std::string_view payment_id = body->payment_id;
  const auto now = clock_();
  // Without a payment id each request is a new top-up; with one, a retried request adds nothing.
  std::string ref = payment_id.empty() ? fmt::format("topup:{}:{}", now.time_since_epoch().count(), ++topup_counter_)
                                       : fmt::format("topup:{}", payment_id);
  auto decision = billing::apply_topup(wallets_.wallet(who.org_id), {*amount, ref, "top-up"}, now,
                                       wallets_.applied(who.org_id));
  if (!decision) return reply(billing_refusal(decision.error()));
  if (decision->duplicate) {
    // A retry is the same request again; the same id with another amount is a client's bug.
    if (auto before = wallets_.applied_amount(who.org_id, ref); before && *before != *amount) {
      return reply(json_error(409, "payment_id_reused",
                              fmt::format("payment_id '{}' was used for a top-up of {} micro-credits", payment_id, *before)));
    }
    JsonWriter w;
    w.begin_object().key("wallet").raw(billing::wallet_api_json(wallets_.wallet(who.org_id), wallets_.reserved_micro(who.org_id)));
    w.field("duplicate", true).end_object();
    return reply(json_answer(200, w.take()));
  }
  auto entry = decision->entries.empty() ? std::string("null") : billing::to_json(decision->entries.back());
  commit_wallet(who.org_id, *decision, {}, [this, org = who.org_id, entry] {
    // Numbers left overdue for want of credits are paid as soon as credits arrive.
    charge_number_fees();
    JsonWriter w;
    w.begin_object().key("wallet").raw(billing::wallet_api_json(wallets_.wallet(org), wallets_.reserved_micro(org)));
    w.key("entry").raw(entry).end_object();
    return json_answer(201, w.take());
  }, std::move(reply));
}

void App::set_auto_recharge(HttpRequest&& request, const Principal& who, Reply reply) {
  auto s = api::read_auto_recharge_body(request.body);
  if (!s) return reply(json_error(400, "invalid_settings", s.error()));
  auto updated = billing::set_auto_recharge(wallets_.wallet(who.org_id), *s);
  if (!updated) return reply(json_error(400, "invalid_settings", updated.error().message));
  store::WriteSet ops;
  auto ticket = wallets_.stage(*updated, ops);
  commit_.submit(std::move(ops), [this, ticket, org = who.org_id, reply = std::move(reply)](bool durable) {
    wallets_.settle(ticket, durable);
    if (!durable) return reply(json_error(503, "journal_unavailable", "the journal could not record the change; retry"));
    reply(json_answer(200, billing::wallet_api_json(wallets_.wallet(org), wallets_.reserved_micro(org))));
  });
}

void App::get_ledger(std::string_view kind, std::string_view after, std::string_view limit, const Principal& who,
                     Reply reply) {
  auto from = api::query_count(after, 0);
  if (!from) return reply(json_error(400, "invalid_request", "after must be a ledger seq"));
  auto count = api::query_count(limit, 100);
  if (!count || *count == 0 || *count > 1000) return reply(json_error(400, "invalid_request", "limit must be 1..1000"));
  if (!kind.empty() && !billing::ledger_kind_from_string(kind)) {
    return reply(json_error(400, "invalid_request", fmt::format("kind '{}' is not a ledger kind", kind)));
  }
  auto page = wallets_.ledger(who.org_id, *from, static_cast<std::size_t>(*count), kind);
  JsonWriter w;
  w.begin_object().key("entries").begin_array();
  for (const auto& e : page.entries) w.raw(billing::to_json(e));
  w.end_array().key("next_after");
  if (page.next_after) {
    w.value(*page.next_after);
  } else {
    w.null();
  }
  w.end_object();
  reply(json_answer(200, w.take()));
}

void App::get_usage(const Principal& who, Reply reply) {
  auto entries = wallets_.all_entries(who.org_id);
  reply(json_answer(200, billing::to_json(billing::summarise_usage(entries))));
}

void App::billing_events(std::string_view after, const Principal& who, Reply reply) {
  JsonWriter w;
  w.begin_object().key("events").begin_array();
  const auto prefix = store::billing_event_prefix(who.org_id);
  journal_.scan_prefix(store::Cf::outbox, prefix, [&](std::string_view key, std::string_view value) {
    auto id = key.substr(prefix.size());
    if (!after.empty() && id <= after) return true;
    if (auto payload = store::decode_value(value)) {
      w.begin_object().field("id", id).key("event").raw(*payload).end_object();
    }
    return true;
  });
  w.end_array().end_object();
  reply(json_answer(200, w.take()));
}

}  // namespace callrouter::app
