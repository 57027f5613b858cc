// Provider webhooks: verification and reading (provider/twilio) turn each into an engine event;
// Engine::apply decides; run() journals the effects and, once durable, answers and delivers.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/app.hpp"
#include "common/json_writer.hpp"
#include "provider/twilio/render_actions.hpp"
#include "provider/twilio/rest_api.hpp"
#include "provider/twilio/webhook_events.hpp"
#include "store/answer_records.hpp"
#include "store/config_records.hpp"

namespace callrouter::app {

using server::HttpRequest;
using server::HttpResponse;
using server::json_error;
using server::Reply;

HttpResponse to_response(const StoredAnswer& a) {
  HttpResponse r;
  r.status = a.status;
  r.content_type = a.content_type;
  r.body = a.body;
  return r;
}

std::optional<twilio::VerifiedWebhook> App::verify_twilio(const HttpRequest& request, Reply& reply) {
  auto verified = twilio::verify_webhook(request, config_.public_base_url,
                                         [this](std::optional<std::string_view> account, std::optional<std::string_view> called) {
                                           const engine::Org* org = account ? directory_.org_by_account(*account) : nullptr;
                                           if (org == nullptr && called) {
                                             if (const auto* number = directory_.number(*called)) org = directory_.org(number->org_id);
                                           }
                                           return org;
                                         });
  if (!verified) {
    reply(std::move(verified.error()));
    return std::nullopt;
  }
  return std::move(*verified);
}

void App::apply(const engine::Event& event, Reply reply) { run(engine_.apply(event, clock_()), std::move(reply)); }

void App::run(engine::Effects fx, Reply reply) {
  // The event's own change first, then each move it decided: the commit path completes in
  // submit order, so agents hear that an offer ended before they hear of the next one.
  auto moves = std::move(fx.moves);
  if (!fx.journal) {
    deliver(fx);
    if (reply && fx.answer) reply(to_response(*fx.answer));
  } else {
    auto change = std::move(fx.change);
    // Acknowledged means durable: the answer, notices and timers go out only once the records are on disk.
    commit_.submit(std::move(change), [this, fx = std::move(fx), reply = std::move(reply)](bool durable) mutable {
      engine_.settle(fx.settle, durable, clock_());
      if (!durable) {
        if (reply) reply(json_error(503, "journal_unavailable", "the call could not be recorded; retry"));
        return;
      }
      deliver(fx);
      if (reply && fx.answer) reply(to_response(*fx.answer));
    });
  }
  for (auto& move : moves) start_move(std::move(move));
}

void App::deliver(engine::Effects& fx) {
  for (const auto& n : fx.notices) agents_.publish(n.org_id, n.user_id, n.message);
  if (schedule_) {
    for (const auto& w : fx.wakeups) {
      schedule_(w.after, [this, e = engine::QueueTimerEvent{w.org_id, w.wrap_up_of, w.answered}] { apply(e, nullptr); });
    }
  }
  for (const auto& [org_id, user_id] : fx.set_away) {
    change_presence(org_id, user_id, "away", [](const engine::TelephonyUser*, server::HttpResponse) {});
  }
}

void App::start_move(engine::MoveCall move) {
  // Durable first (the call is the agents' now), then the provider is asked to move it.
  auto change = std::move(move.change);
  commit_.submit(std::move(change), [this, move = std::move(move)](bool durable) mutable {
    engine_.settle(move.settle, durable, clock_());
    const auto* org = directory_.org(move.org_id);
    if (!durable || org == nullptr || http_ == nullptr) {
      return apply(engine::MoveReplyEvent{move.org_id, move.call_sid, false, durable ? "redirect_failed" : "not_recorded"}, nullptr);
    }
    for (const auto& n : move.notices) agents_.publish(n.org_id, n.user_id, n.message);
    const auto fetch_url = move.fetch_query.empty() ? std::string() : config_.public_base_url + "/twilio/redirect?" + move.fetch_query;
    auto rest = twilio::redirect_call_request(config_.provider_api_base_url, org->account_sid, org->auth_token, move.call_sid,
                                              move.document, fetch_url);
    http_->send(std::move(rest), [this, org_id = move.org_id, sid = move.call_sid](outbound::OutboundResponse response) {
      const bool accepted = response.status >= 200 && response.status < 300;
      if (accepted) {
        spdlog::info("call {} moved from the queue to an agent", sid);
      } else {
        // The provider did not take it: the caller is still in its queue there, so here too.
        spdlog::warn("redirect of call {} failed ({}): {}", sid, response.status, response.error);
      }
      apply(engine::MoveReplyEvent{org_id, sid, accepted, accepted ? "" : "redirect_failed"}, nullptr);
    });
  });
}

void App::twilio_voice(HttpRequest&& request, Reply reply) {
  auto verified = verify_twilio(request, reply);
  if (!verified) return;
  auto arrived = twilio::read_call_arrived(*verified);
  if (!arrived) return reply(json_error(400, "bad_request", arrived.error()));
  apply(engine::CallArrivedEvent{{verified->org, verified->retry_token}, *arrived}, std::move(reply));
}

void App::twilio_status(HttpRequest&& request, Reply reply) {
  auto verified = verify_twilio(request, reply);
  if (!verified) return;
  auto changed = twilio::read_status(*verified);
  if (!changed) return reply(json_error(400, "bad_request", changed.error()));
  const engine::Webhook from{verified->org, verified->retry_token};
  // An agent's leg of a call we dialled.
  if (auto leg = twilio::read_agent_leg(*verified)) return apply(engine::AgentLegEvent{from, *leg}, std::move(reply));
  apply(engine::CallStatusEvent{from, *changed}, std::move(reply));
}

}  // namespace callrouter::app
