// The small /v1 bodies that set one thing: an agent's presence, a caller ID to verify, the
// recording plan, a number's flow, a number to buy, a top-up and the auto-recharge settings.
// Each is decoded here, pure, with the message its 400 gives (naming the field), so the handlers
// only check what needs the org's state and the fuzzer reaches every body the API reads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "billing/wallet.hpp"
#include "common/expected.hpp"

namespace callrouter::api {

// PUT /v1/users/{id}/presence: {"presence": "available" | "away" | "offline"}.
Expected<std::string> read_presence_body(std::string_view body);

// POST /v1/users/{id}/caller-ids: {"number": "+E164"}; the number is not yet parsed as E.164.
Expected<std::string> read_caller_id_body(std::string_view body);

// PUT /v1/wallet/recording-plan: {"plan": id}.
Expected<std::string> read_recording_plan_body(std::string_view body);

// PUT /v1/numbers/{e164}/flow: {"flow_id": id or null}; "" means no flow (as null and {} do).
Expected<std::string> read_number_flow_body(std::string_view body);

// POST /v1/numbers: {"number"} or {"country", "type", "area_code"?, "contains"?}; the country in
// capitals, the number not yet parsed as E.164.
struct NumberPurchaseBody {
  std::string number, country, type, area_code, contains;
};
Expected<NumberPurchaseBody> read_number_purchase_body(std::string_view body);

// POST /v1/wallet/topups: {"amount_micro": n > 0, "payment_id": non-empty text?}. A refusal
// carries its code: invalid_amount for the amount, invalid_request for the rest.
struct TopupBody {
  std::int64_t amount_micro = 0;
  std::string payment_id;  // empty: none given
};
struct BodyRefusal {
  std::string code;
  std::string message;
};
inline constexpr std::size_t kMaxPaymentIdBytes = 128;
Expected<TopupBody, BodyRefusal> read_topup_body(std::string_view body);

// PUT /v1/wallet/auto-recharge: the fields given replace the defaults (all off and zero); their
// ranges are billing::set_auto_recharge's to check.
Expected<billing::AutoRechargeSettings> read_auto_recharge_body(std::string_view body);

}  // namespace callrouter::api
