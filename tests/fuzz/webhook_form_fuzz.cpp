// A webhook as the provider sends it, through the edge every webhook takes: the form (or JSON
// body), its signature (computed here over the fuzzed bytes, so inputs get past the check), the
// callback URL's query, then every reader of the verified fields.
// Input: query NUL body NUL mode ("" form POST, "j…" JSON body, "g…" GET with the body as query).
#include "common/utf8.hpp"
#include "fuzz_support.hpp"
#include "provider/twilio/signature.hpp"
#include "provider/twilio/webhook_events.hpp"
#include "provider/twilio/webhook_request.hpp"

using namespace callrouter;

namespace {

constexpr std::string_view kBase = "https://callrouter.example";

const engine::Org& fuzz_org() {
  static const engine::Org org = [] {
    engine::Org o;
    o.id = "fuzz";
    o.account_sid = "ACfuzz";
    o.auth_token = "fuzz-token";
    return o;
  }();
  return org;
}

void read_every_field(const twilio::VerifiedWebhook& webhook) {
  // What the readers hand to the engine is stored and sent: it must be valid text by now.
  if (auto arrived = twilio::read_call_arrived(webhook)) {
    fuzz::require(valid_utf8(arrived->from) && valid_utf8(arrived->to) && valid_utf8(arrived->call_sid),
                  "an arrived call's fields are valid UTF-8");
  }
  if (auto status = twilio::read_status(webhook)) {
    fuzz::require(valid_utf8(status->status) && valid_utf8(status->from), "status fields are valid UTF-8");
    if (status->call_duration_s) {
      fuzz::require(*status->call_duration_s >= 0 && *status->call_duration_s <= 86400, "a duration is 0..86400 s");
    }
  }
  (void)twilio::read_agent_leg(webhook);
  for (auto kind : {flow::Callback::gather, flow::Callback::dial, flow::Callback::queue_result,
                    flow::Callback::queue_wait, flow::Callback::recording}) {
    (void)twilio::read_flow_callback(kind, webhook);
  }
  (void)twilio::read_recording(webhook);
  (void)twilio::read_recording_status(webhook);
  (void)twilio::read_caller_id(webhook);
  (void)twilio::read_redirect_fetch(webhook);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto fields = fuzz::split_fields(fuzz::as_text(data, size), 3);
  const auto mode = fields[2].empty() ? 'f' : fields[2].front();
  server::HttpRequest request;
  request.method = mode == 'g' ? "GET" : "POST";
  request.target = "/twilio/status";
  std::string query(fields[0]);
  if (mode == 'g') query += (query.empty() ? "" : "&") + std::string(fields[1]);
  if (mode == 'j') query += (query.empty() ? "" : "&") + ("bodySHA256=" + twilio::sha256_hex(fields[1]));
  if (!query.empty()) request.target += "?" + query;
  if (mode != 'g') request.body = std::string(fields[1]);
  request.headers.emplace_back("content-type", mode == 'j' ? "application/json" : "application/x-www-form-urlencoded");

  // Signed as the provider signs it: the URL with the POST form's params, or the URL alone.
  const auto url = std::string(kBase) + request.target;
  twilio::Form signed_params;
  if (mode == 'f') {
    auto form = twilio::parse_form(request.body);
    if (form) signed_params = std::move(*form);
  }
  request.headers.emplace_back("x-twilio-signature", twilio::compute_signature(fuzz_org().auth_token, url, signed_params));

  auto verified = twilio::verify_webhook(request, kBase, [](auto, auto) { return &fuzz_org(); });
  if (!verified) {
    fuzz::require(verified.error().status == 400 || verified.error().status == 403, "a refusal is 400 or 403");
    return 0;
  }
  fuzz::require(verified->form.params.size() <= twilio::kMaxFormParams, "at most kMaxFormParams params");
  for (const auto* form : {&verified->form, &verified->query}) {
    for (const auto& p : form->params) {
      fuzz::require(!p.name.empty(), "no empty name");
      fuzz::require(valid_utf8(p.value), "every value is valid UTF-8 after the edge");
      fuzz::require(p.value.find('\0') == std::string::npos, "no NUL in a value");
    }
  }
  read_every_field(*verified);
  return 0;
}
