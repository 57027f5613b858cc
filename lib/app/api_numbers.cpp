// /v1/numbers: the org's numbers, searching the provider's available numbers, buying (the first
// month debited in the same batch as the number) and releasing; and the monthly-fee timer that
// charges each purchase anniversary exactly once, after downtime too (docs/billing.md).
#include <algorithm>

#include <fmt/format.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include "api/setting_bodies.hpp"
#include "app/api_support.hpp"
#include "app/app.hpp"
#include "app/provider_refusal.hpp"
#include "billing/number_fees.hpp"
#include "common/phone_number.hpp"
#include "provider/twilio/documented_values.hpp"
#include "provider/twilio/rest_api.hpp"
#include "store/config_records.hpp"

namespace callrouter::app {

using server::HttpRequest;
using server::json_error;
using server::Reply;

namespace {

// The number type the rate card prices, from what libphonenumber says of the number.
std::string_view number_type_of(const PhoneNumberInfo& info) {
  switch (info.type) {
    case PhoneNumberType::mobile: return "mobile";
    case PhoneNumberType::toll_free: return "toll_free";
    default: return "local";
  }
}

constexpr std::chrono::seconds kFeeTimerPeriod{60};

// A search has an admin waiting on it: two tries of 4 s (the provider answers in well under a
// second) end within ~8 s, where the client's default four tries of 5 s would keep them ~21 s.
outbound::OutboundRequest interactive(outbound::OutboundRequest request) {
  request.timeout = std::chrono::seconds(4);
  request.max_attempts = 2;
  return request;
}

}  // namespace

std::int64_t App::monthly_fee_micro(const engine::NumberEntry& n) const {
  if (!rates_) return 0;
  auto type = billing::number_type_from_string(n.type);
  auto r = type ? rates_->number_rates(n.country, *type) : Expected<billing::NumberRates, billing::BillingError>(
                                                               unexpected(billing::BillingError{"", ""}));
  return r ? r->monthly_fee_micro : 0;
}

void App::write_number(JsonWriter& w, const engine::NumberEntry& n) const {
  w.begin_object().field("number", n.number).field("country", n.country).field("type", n.type);
  string_or_null(w, "flow_id", n.flow_id);
  w.field("monthly_fee_micro", n.purchased_at ? monthly_fee_micro(n) : std::int64_t{0});
  w.key("purchased_at");
  n.purchased_at ? w.value(format_rfc3339(*n.purchased_at)) : w.null();
  w.key("next_fee_at");
  n.purchased_at ? w.value(format_rfc3339(billing::next_fee_at(*n.purchased_at, n.last_fee_index))) : w.null();
  w.field("overdue", n.overdue).end_object();
}

void App::list_numbers(const Principal& who, Reply reply) {
  std::vector<const engine::NumberEntry*> numbers;
  directory_.for_each_number(who.org_id, [&](const engine::NumberEntry& n) { numbers.push_back(&n); });
  std::sort(numbers.begin(), numbers.end(), [](auto* a, auto* b) { return a->number < b->number; });
  JsonWriter w;
  w.begin_object().key("numbers").begin_array();
  for (const auto* n : numbers) write_number(w, *n);
  w.end_array().end_object();
  reply(json_answer(200, w.take()));
}

// Country and type checked against the rate card: what a number of that kind costs a month.
Expected<std::int64_t, server::HttpResponse> App::number_price(std::string_view country, std::string_view type) const {
  if (!rates_) return unexpected(json_error(503, "billing_not_configured", "no rate card is configured (billing.rates_file)"));
  auto t = billing::number_type_from_string(type);
  if (!t) return unexpected(json_error(400, "invalid_request", "type must be local, mobile or toll_free"));
  if (country.size() != 2) return unexpected(json_error(400, "invalid_request", "country must be an ISO 3166 code like US"));
  auto r = rates_->number_rates(country, *t);
  if (!r) return unexpected(billing_refusal(r.error()));
  return r->monthly_fee_micro;
}

void App::available_numbers(std::string country, std::string type, std::string contains, std::string area_code,
                            const Principal& who, Reply reply) {
  if (type.empty()) type = "local";
  for (auto& c : country) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto price = number_price(country, type);
  if (!price) return reply(std::move(price.error()));
  const auto* org = directory_.org(who.org_id);
  if (org == nullptr || http_ == nullptr) return reply(json_error(503, "unavailable", "the provider API is not reachable"));
  auto request = interactive(twilio::available_numbers_request(config_.provider_api_base_url, org->account_sid,
                                                               org->auth_token, country, type, contains, area_code));
  http_->send(std::move(request), [country, type, fee = *price, base_url = config_.provider_api_base_url,
                                   reply = std::move(reply)](outbound::OutboundResponse r) {
    if (r.status < 200 || r.status >= 300) {
      return reply(provider_refusal("list available numbers", r, base_url));
    }
    simdjson::dom::parser parser;
    simdjson::dom::array found;
    if (parser.parse(r.body)["available_phone_numbers"].get(found)) {
      return reply(json_error(502, "provider_error", "the provider's answer has no available_phone_numbers"));
    }
    JsonWriter w;
    w.begin_object().key("numbers").begin_array();
    for (auto n : found) {
      std::string_view number, region, locality;
      if (n["phone_number"].get(number)) continue;
      if (n["region"].get(region)) region = {};
      if (n["locality"].get(locality)) locality = {};
      w.begin_object().field("number", number).field("country", country).field("type", type);
      w.field("region", region).field("locality", locality).field("monthly_fee_micro", fee).end_object();
    }
    w.end_array().end_object();
    reply(json_answer(200, w.take()));
  });
}

void App::buy_number(HttpRequest&& request, const Principal& who, Reply reply) {
  auto body = api::read_number_purchase_body(request.body);
  if (!body) return reply(json_error(400, "invalid_request", body.error()));
  std::string number = body->number, country = body->country, type = body->type;
  if (!number.empty()) {
    auto info = parse_e164(number);
    if (!info) return reply(json_error(400, "invalid_number", info.error().message));
    number = info->e164;
    if (country.empty()) country = info->region;
    if (type.empty()) type = std::string(number_type_of(*info));
    if (directory_.number(number) != nullptr) return reply(json_error(409, "conflict", "that number is already in use"));
  }
  auto price = number_price(country, type);
  if (!price) return reply(std::move(price.error()));
  // Refused before anything is bought when the wallet cannot pay the first month.
  auto check = billing::charge_number_purchase(wallets_.wallet(who.org_id), {*price, "check:" + number, ""}, clock_(),
                                               [](std::string_view) { return false; });
  if (!check) return reply(billing_refusal(check.error()));
  const auto* org = directory_.org(who.org_id);
  if (org == nullptr || http_ == nullptr) return reply(json_error(503, "unavailable", "the provider API is not reachable"));
  if (!number.empty()) return purchase_number(who.org_id, number, country, type, *price, std::move(reply));

  // No number named: buy the first one the provider offers for the country, type and area.
  auto search = interactive(twilio::available_numbers_request(config_.provider_api_base_url, org->account_sid,
                                                              org->auth_token, country, type, body->contains,
                                                              body->area_code));
  http_->send(std::move(search), [this, org_id = who.org_id, country, type, fee = *price,
                                  reply = std::move(reply)](outbound::OutboundResponse r) mutable {
    simdjson::dom::parser p;
    simdjson::dom::array found;
    std::string_view first;
    if (r.status < 200 || r.status >= 300 || p.parse(r.body)["available_phone_numbers"].get(found)) {
      return reply(provider_refusal("search for a number to buy", r, config_.provider_api_base_url));
    }
    if (found.size() == 0) {
      return reply(json_error(404, "no_numbers", "the provider offered no number for that country, type and area"));
    }
    // What is bought becomes a key of the directory: only a phone number, however the answer reads.
    std::optional<PhoneNumberInfo> offered;
    if (found.at(0)["phone_number"].get(first) == simdjson::SUCCESS) {
      if (auto info = parse_e164(first)) offered = *info;
    }
    if (!offered) {
      return reply(json_error(502, "provider_error", "could not search for a number to buy: the provider offered "
                                                     "something that is not a phone number; nothing was bought"));
    }
    purchase_number(org_id, offered->e164, country, type, fee, std::move(reply));
  });
}

void App::purchase_number(const std::string& org_id, const std::string& number, const std::string& country,
                          const std::string& type, std::int64_t fee, Reply reply) {
  const auto* org = directory_.org(org_id);
  if (org == nullptr) return reply(json_error(404, "not_found", "no such org"));
  auto buy = twilio::account_request(config_.provider_api_base_url, org->account_sid, org->auth_token, "POST",
                                     "IncomingPhoneNumbers.json",
                                     twilio::form_body({{"PhoneNumber", number},
                                                        {"VoiceUrl", config_.public_base_url + "/twilio/voice"},
                                                        {"VoiceMethod", "POST"},
                                                        {"StatusCallback", config_.public_base_url + "/twilio/status"},
                                                        {"StatusCallbackMethod", "POST"}}));
  buy.max_attempts = 1;  // a purchase is not idempotent: never sent twice
  http_->send(std::move(buy), [this, org_id, number, country, type, fee, reply = std::move(reply)](outbound::OutboundResponse r) {
    simdjson::dom::parser p;
    std::string_view sid;
    if (r.status < 200 || r.status >= 300 || p.parse(r.body)["sid"].get(sid) || !twilio::is_sid(sid, "PN")) {
      return reply(provider_refusal(fmt::format("buy {}", number), r, config_.provider_api_base_url));
    }
    const auto now = clock_();
    engine::NumberEntry entry{number, org_id, country, type, "", std::string(sid), now, 0, false};
    auto decision = billing::charge_number_purchase(
        wallets_.wallet(org_id), {fee, fmt::format("number:{}:{}", number, format_rfc3339(now)), "first month of " + number},
        now, wallets_.applied(org_id));
    if (!decision) {
      // The balance changed while the provider was asked: give the number back.
      spdlog::warn("number {} bought for org {} but no longer affordable: releasing it", number, org_id);
      release_at_provider(org_id, std::string(sid), [](bool) {});
      return reply(billing_refusal(decision.error()));
    }
    directory_.put_number(entry);
    store::WriteSet ops{store::put_number(entry)};
    auto ticket = wallets_.stage(*decision, ops);
    stage_billing_events(*decision, ops);
    commit_.submit(std::move(ops), [this, ticket, entry, reply = std::move(reply)](bool durable) {
      wallets_.settle(ticket, durable);
      if (!durable) {
        directory_.erase_number(entry.number);
        spdlog::error("number {} bought for org {} but not recorded (journal refused): releasing it", entry.number, entry.org_id);
        release_at_provider(entry.org_id, entry.provider_sid, [](bool) {});
        return reply(json_error(503, "journal_unavailable", "the journal could not record the purchase; retry"));
      }
      JsonWriter w;
      write_number(w, entry);
      reply(json_answer(201, w.take()));
    });
  });
}

void App::release_at_provider(const std::string& org_id, const std::string& provider_sid, std::function<void(bool)> done) {
  const auto* org = directory_.org(org_id);
  if (provider_sid.empty() || org == nullptr || http_ == nullptr) return done(true);
  auto request = twilio::account_request(config_.provider_api_base_url, org->account_sid, org->auth_token, "DELETE",
                                         fmt::format("IncomingPhoneNumbers/{}.json", provider_sid));
  request.content_type.clear();
  http_->send(std::move(request), [done = std::move(done)](outbound::OutboundResponse r) {
    // 404: the provider no longer has it, which is what releasing wants.
    done((r.status >= 200 && r.status < 300) || r.status == 404);
  });
}

void App::release_number(std::string_view segment, const Principal& who, Reply reply) {
  auto e164 = path_number(segment);
  const auto* number = directory_.number(e164);
  if (number == nullptr || number->org_id != who.org_id) return reply(json_error(404, "not_found", "no such number"));
  auto entry = *number;
  release_at_provider(entry.org_id, entry.provider_sid, [this, entry, reply = std::move(reply)](bool released) {
    if (!released) return reply(json_error(502, "provider_error", "the provider did not release the number; retry"));
    directory_.erase_number(entry.number);
    commit_.submit({store::erase_number(entry)}, [this, entry, reply = std::move(reply)](bool durable) {
      if (!durable) {
        directory_.put_number(entry);
        return reply(json_error(503, "journal_unavailable", "the journal could not record the release; retry"));
      }
      server::HttpResponse r;
      r.status = 204;
      reply(std::move(r));
    });
  });
}

void App::charge_number_fees() {
  if (!rates_) return;
  const auto now = clock_();
  std::vector<engine::NumberEntry> owing;
  directory_.for_each_org([&](const engine::Org& org) {
    directory_.for_each_number(org.id, [&](const engine::NumberEntry& n) {
      if (n.purchased_at && !fees_in_flight_.contains(n.number) &&
          !billing::due_fees(*n.purchased_at, n.last_fee_index, now).empty()) {
        owing.push_back(n);
      }
    });
  });
  for (const auto& before : owing) {
    auto n = before;
    const auto fee = monthly_fee_micro(n);
    const auto first_due = billing::due_fees(*n.purchased_at, n.last_fee_index, now);
    // An overdue number is tried again only once the wallet could pay (no repeated alerts).
    if (n.overdue && wallets_.wallet(n.org_id).balance_micro < fee) continue;
    billing::WalletDecision total{wallets_.wallet(n.org_id), {}, {}, false, false};
    for (auto index : first_due) {
      auto d = billing::charge_number_monthly_fee(total.wallet, {fee, billing::fee_ref(n.number, *n.purchased_at, index),
                                                                 fmt::format("monthly fee {} of {}", index, n.number)},
                                                  n.number, now, wallets_.applied(n.org_id));
      if (!d) break;
      for (auto& e : d->entries) total.entries.push_back(std::move(e));
      for (auto& e : d->events) total.events.push_back(std::move(e));
      total.wallet = d->wallet;
      if (d->overdue) {
        n.overdue = true;
        break;
      }
      n.last_fee_index = index;
      n.overdue = false;
    }
    if (n.last_fee_index == before.last_fee_index && n.overdue == before.overdue) continue;
    directory_.put_number(n);
    store::WriteSet ops{store::put_number(n)};
    auto ticket = wallets_.stage(total, ops);
    stage_billing_events(total, ops);
    fees_in_flight_.insert(n.number);
    commit_.submit(std::move(ops), [this, ticket, before, n](bool durable) {
      wallets_.settle(ticket, durable);
      fees_in_flight_.erase(n.number);
      if (!durable) {
        // Not charged after all: the number owes those months again (the next tick retries).
        if (const auto* now_entry = directory_.number(n.number); now_entry && now_entry->last_fee_index == n.last_fee_index) {
          directory_.put_number(before);
        }
        return;
      }
      if (n.overdue && !before.overdue) spdlog::warn("number {} of org {} is overdue: its monthly fee could not be paid", n.number, n.org_id);
    });
  }
}

void App::start_fee_timer() {
  charge_number_fees();
  follow_clock();
  if (schedule_) schedule_(std::chrono::duration_cast<std::chrono::milliseconds>(kFeeTimerPeriod), [this] { start_fee_timer(); });
}

}  // namespace callrouter::app
