#include "app/app.hpp"

#include <spdlog/spdlog.h>

#include <array>

#include "engine/incoming_call.hpp"
#include "ops/metrics.hpp"
#include "provider/twilio/form.hpp"
#include "provider/twilio/render_actions.hpp"
#include "provider/twilio/signature.hpp"
#include "provider/twilio/twiml.hpp"
#include "store/config_records.hpp"

namespace callrouter::app {

using server::HttpRequest;
using server::HttpResponse;
using server::json_error;
using server::Reply;

namespace {

enum class RouteId { healthz, readyz, metrics, twilio_voice };

struct Route {
  std::string_view path;
  std::string_view methods;  // comma separated, for the Allow header
  RouteId id;
};

// Paths are fixed strings; the label for metrics is the path itself.
constexpr std::array kRoutes{
    Route{"/healthz", "GET", RouteId::healthz},
    Route{"/readyz", "GET", RouteId::readyz},
    Route{"/metrics", "GET", RouteId::metrics},
    Route{"/twilio/voice", "GET, POST", RouteId::twilio_voice},
};

bool method_allowed(std::string_view methods, std::string_view method) {
  while (!methods.empty()) {
    auto comma = methods.find(',');
    auto m = methods.substr(0, comma);
    if (m == method) return true;
    if (comma == std::string_view::npos) break;
    methods.remove_prefix(comma + 1);
    while (methods.starts_with(' ')) methods.remove_prefix(1);
  }
  return false;
}

HttpResponse text(int status, std::string content_type, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

HttpResponse twiml(std::string document) { return text(200, "text/xml", std::move(document)); }

}  // namespace

App::App(Config config, store::Journal& journal, engine::Directory directory, ops::HttpMetrics& metrics,
         Clock clock)
    : config_(std::move(config)),
      journal_(journal),
      directory_(std::move(directory)),
      metrics_(metrics),
      clock_(std::move(clock)) {}

void App::handle(HttpRequest&& request, server::RequestContext& context, Reply reply) {
  auto path = request.path();
  const Route* route = nullptr;
  for (const auto& r : kRoutes) {
    if (r.path == path) route = &r;
  }
  if (route == nullptr) {
    return reply(json_error(404, "not_found", "no such route"));
  }
  context.route = route->path;
  if (!method_allowed(route->methods, request.method)) {
    auto r = json_error(405, "method_not_allowed", fmt::format("{} is not allowed here", request.method));
    r.headers.emplace_back("Allow", std::string(route->methods));
    return reply(std::move(r));
  }
  switch (route->id) {
    case RouteId::healthz:
      return reply(text(200, "application/json", R"({"status":"ok"})"));
    case RouteId::readyz:
      if (!ready_) return reply(json_error(503, "not_ready", "loading state"));
      return reply(text(200, "application/json", R"({"status":"ready"})"));
    case RouteId::metrics:
      metrics_.set_counter("callrouter_journal_commits_total", "Journal batches written",
                         static_cast<double>(journal_.commits()));
      return reply(text(200, "text/plain; version=0.0.4", metrics_.render()));
    case RouteId::twilio_voice:
      return twilio_voice(std::move(request), std::move(reply));
  }
}

void App::twilio_voice(HttpRequest&& request, Reply reply) {
  auto signature = request.header("x-twilio-signature");
  if (signature.empty()) {
    spdlog::warn("twilio: {} {} without X-Twilio-Signature: refused", request.method, request.target);
    return reply(json_error(403, "forbidden", "missing X-Twilio-Signature"));
  }
  const bool is_get = request.method == "GET";
  auto form = twilio::parse_form(is_get ? request.query() : std::string_view(request.body));
  if (!form) return reply(json_error(400, "bad_request", form.error()));

  // The org whose token signs the request: by AccountSid, else by the number called.
  const engine::Org* org = nullptr;
  if (auto account = form->get("AccountSid")) org = directory_.org_by_account(*account);
  if (org == nullptr) {
    if (auto to = form->get("To")) {
      if (const auto* number = directory_.number(*to)) org = directory_.org(number->org_id);
    }
  }
  auto url = config_.public_base_url + request.target;
  // GET signs the URL alone: its parameters are already in it.
  const twilio::Form empty;
  if (org == nullptr || !twilio::validate_signature(org->auth_token, url, is_get ? empty : *form, signature)) {
    spdlog::warn("twilio: invalid signature for {} (account {}): refused", request.target,
                 form->get("AccountSid").value_or("?"));
    return reply(json_error(403, "forbidden", "invalid X-Twilio-Signature"));
  }

  auto call_sid = form->get("CallSid");
  auto to = form->get("To");
  auto from = form->get("From");
  if (!call_sid || call_sid->empty() || !to || !from) {
    return reply(json_error(400, "bad_request", "CallSid, From and To are required"));
  }
  engine::InboundCall call{*call_sid, *from, *to, form->get("CallStatus").value_or("ringing")};
  auto decision = engine::decide_incoming_call(directory_, *org, call, clock_());
  auto document = twilio::render_twiml(decision.actions);

  const auto& record = decision.record;
  auto json = engine::to_json(record);
  store::WriteSet ops;
  ops.push_back({store::Cf::calls, store::call_key(record.org_id, record.sid), store::encode_value(json)});
  ops.push_back({store::Cf::calls_by_time, store::call_time_key(record.org_id, record.started_at, record.sid), ""});
  // Acknowledged means durable: the TwiML goes out only once the call record is on disk.
  journal_.commit(std::move(ops), [reply = std::move(reply), document = std::move(document)](bool durable) {
    if (!durable) {
      return reply(json_error(503, "journal_unavailable", "the call could not be recorded; retry"));
    }
    reply(twiml(std::move(document)));
  });
}

}  // namespace callrouter::app
