// Recording storage: each completed recording's length counts against the org's quota once (by
// RecordingSid); once the quota is used, new calls go on unrecorded and the admin is told.
#include <charconv>

#include <spdlog/spdlog.h>

#include "app/app.hpp"
#include "billing/billing_event.hpp"
#include "billing/recording_quota.hpp"

namespace callrouter::app {

void App::limit_recording(std::string_view org_id, flow::CallActions& actions) {
  bool asked = false;
  for (auto& a : actions) {
    if (auto* dial = std::get_if<flow::DialAction>(&a); dial && dial->record) {
      asked = true;
      dial->record = !rates_ || billing::may_record(wallets_.wallet(org_id));
    }
  }
  if (asked && rates_ && !billing::may_record(wallets_.wallet(org_id))) {
    spdlog::info("org {}: recording storage quota used up; the call is not recorded", org_id);
  }
}

std::optional<WalletBook::Ticket> App::count_recording(std::string_view org_id, const twilio::Form& form,
                                                       store::WriteSet& ops) {
  if (form.get("RecordingStatus").value_or("") != "completed") return std::nullopt;
  auto sid = form.get("RecordingSid").value_or("");
  auto duration_text = form.get("RecordingDuration").value_or("");
  std::int64_t duration_s = 0;
  if (sid.empty() || std::from_chars(duration_text.data(), duration_text.data() + duration_text.size(), duration_s).ec != std::errc{}) {
    return std::nullopt;
  }
  const auto before = wallets_.wallet(org_id);  // a copy: staging replaces the wallet
  auto counted = billing::count_recording(before.recording, sid, duration_s, wallets_.applied(org_id));
  if (!counted || !counted->applied) return std::nullopt;
  auto wallet = before;
  wallet.recording = counted->usage;
  auto ticket = wallets_.stage(wallet, ops);
  wallets_.stage_ref(org_id, counted->ref, ops, ticket);
  if (billing::may_record(before.recording) && !billing::may_record(wallet.recording)) {
    // The admin is told once, when this recording used the quota up.
    billing::WalletDecision told{wallet, {}, {}, false, false};
    told.events.push_back(billing::BillingEvent{"recording.quota_used", std::string(org_id), 0, wallet.balance_micro,
                                                counted->ref, {}, clock_()});
    stage_billing_events(told, ops);
  }
  return ticket;
}

}  // namespace callrouter::app
