// The provider fetching a queue → agent document that was too long for the REST redirect's
// Twiml= parameter: the move stored it with the call; this hands the same document out.
#include <spdlog/spdlog.h>

#include "app/app.hpp"
#include "provider/twilio/webhook_events.hpp"
#include "store/answer_records.hpp"

namespace callrouter::app {

void App::twilio_redirect(server::HttpRequest&& request, server::Reply reply) {
  auto verified = verify_twilio(request, reply);  // signed like every provider request
  if (!verified) return;
  const auto& org = *verified->org;
  auto fetch = twilio::read_redirect_fetch(*verified);
  if (!fetch) return reply(server::json_error(400, "bad_request", fetch.error()));
  // The id is the call and its visit, so one call's URL cannot fetch another call's document.
  auto stored = calls_.find_answer(org.id, store::kRedirectAnswer, store::redirect_answer_id(fetch->call_sid, fetch->visit));
  if (!stored) {
    spdlog::warn("twilio: redirect document for call {} (visit {}) not found", fetch->call_sid, fetch->visit);
    return reply(server::json_error(404, "not_found", "no redirect document for this call"));
  }
  reply(to_response(*stored));
}

}  // namespace callrouter::app
