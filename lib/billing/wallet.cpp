#include "billing/wallet.hpp"

#include <simdjson.h>

#include "common/json_writer.hpp"

namespace callrouter::billing {
namespace {

void write_auto_recharge(JsonWriter& w, const AutoRechargeSettings& a) {
  w.key("auto_recharge")
      .begin_object()
      .field("enabled", a.enabled)
      .field("threshold_micro", a.threshold_micro)
      .field("amount_micro", a.amount_micro)
      .field("monthly_cap_micro", a.monthly_cap_micro)
      .end_object();
}

void write_recording(JsonWriter& w, const RecordingUsage& r) {
  w.key("recording")
      .begin_object()
      .field("used_s", r.used_s)
      .field("included_s", r.included_s)
      .field("plan", r.plan)
      .end_object();
}

// `path` names the key in errors when it is nested ("auto_recharge.amount_micro").
Expected<std::int64_t> integer(simdjson::dom::object o, const char* key, std::string_view path = {}) {
  std::int64_t v;
  if (o[key].get(v)) {
    return unexpected("wallet: '" + std::string(path.empty() ? key : path) + "' must be an integer");
  }
  return v;
}

}  // namespace

std::string to_json(const Wallet& wallet) {
  JsonWriter w;
  w.begin_object()
      .field("org_id", wallet.org_id)
      .field("balance_micro", wallet.balance_micro)
      .field("last_seq", static_cast<std::uint64_t>(wallet.last_seq));
  write_auto_recharge(w, wallet.auto_recharge);
  w.field("recharged_this_month_micro", wallet.recharged_this_month_micro)
      .field("recharge_month", wallet.recharge_month)
      .field("armed", wallet.armed);
  write_recording(w, wallet.recording);
  w.end_object();
  return w.take();
}

Expected<Wallet> wallet_from_json(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  if (parser.parse(json.data(), json.size()).get(o)) return unexpected(std::string("wallet is not a JSON object"));
  Wallet wallet;
  std::string_view s;
  if (o["org_id"].get(s) || s.empty()) return unexpected(std::string("wallet: 'org_id' missing"));
  wallet.org_id = s;
  auto balance = integer(o, "balance_micro");
  if (!balance) return unexpected(balance.error());
  wallet.balance_micro = *balance;
  if (o["last_seq"].get(wallet.last_seq)) return unexpected(std::string("wallet: 'last_seq' must be an unsigned integer"));

  simdjson::dom::object a;
  if (o["auto_recharge"].get(a)) return unexpected(std::string("wallet: 'auto_recharge' must be an object"));
  if (a["enabled"].get(wallet.auto_recharge.enabled)) {
    return unexpected(std::string("wallet: 'auto_recharge.enabled' must be a boolean"));
  }
  struct Field {
    const char* key;
    const char* path;
    std::int64_t* target;
  };
  for (auto f : {Field{"threshold_micro", "auto_recharge.threshold_micro", &wallet.auto_recharge.threshold_micro},
                 Field{"amount_micro", "auto_recharge.amount_micro", &wallet.auto_recharge.amount_micro},
                 Field{"monthly_cap_micro", "auto_recharge.monthly_cap_micro",
                       &wallet.auto_recharge.monthly_cap_micro}}) {
    auto v = integer(a, f.key, f.path);
    if (!v) return unexpected(v.error());
    *f.target = *v;
  }
  auto recharged = integer(o, "recharged_this_month_micro");
  if (!recharged) return unexpected(recharged.error());
  wallet.recharged_this_month_micro = *recharged;
  if (o["recharge_month"].get(s)) return unexpected(std::string("wallet: 'recharge_month' must be a string"));
  wallet.recharge_month = s;
  if (o["armed"].get(wallet.armed)) return unexpected(std::string("wallet: 'armed' must be a boolean"));

  simdjson::dom::object r;
  if (o["recording"].get(r)) return unexpected(std::string("wallet: 'recording' must be an object"));
  auto used = integer(r, "used_s", "recording.used_s");
  if (!used) return unexpected(used.error());
  auto included = integer(r, "included_s", "recording.included_s");
  if (!included) return unexpected(included.error());
  wallet.recording.used_s = *used;
  wallet.recording.included_s = *included;
  if (r["plan"].get(s)) return unexpected(std::string("wallet: 'recording.plan' must be a string"));
  wallet.recording.plan = s;
  return wallet;
}

std::string wallet_api_json(const Wallet& wallet, std::int64_t reserved_micro) {
  JsonWriter w;
  w.begin_object()
      .field("balance_micro", wallet.balance_micro)
      .field("reserved_micro", reserved_micro)
      .field("available_micro", wallet.balance_micro - reserved_micro);
  write_auto_recharge(w, wallet.auto_recharge);
  w.field("recharged_this_month_micro", wallet.recharged_this_month_micro);
  write_recording(w, wallet.recording);
  w.end_object();
  return w.take();
}

}  // namespace callrouter::billing
