// The provider fetching a queue → agent document that was too long for the REST redirect's
// Twiml= parameter: the move stored it with the call; this hands the same document out.
#include <spdlog/spdlog.h>

#include <charconv>

#include "app/app.hpp"
#include "store/answer_records.hpp"

namespace callrouter::app {

void App::twilio_redirect(server::HttpRequest&& request, server::Reply reply) {
  auto verified = verify_twilio(request, reply);  // signed like every provider request
  if (!verified) return;
  const auto& org = *verified->org;
  auto sid = verified->form.get("CallSid");
  auto query = twilio::parse_form(request.query());
  auto visit = query ? query->get("visit") : std::nullopt;
  if (!sid || sid->empty() || !visit) {
    return reply(server::json_error(400, "bad_request", "CallSid and ?visit= are required"));
  }
  // The id is the call and its visit, so one call's URL cannot fetch another call's document.
  int visit_n = -1;
  std::from_chars(visit->data(), visit->data() + visit->size(), visit_n);
  auto stored = calls_.find_answer(org.id, store::kRedirectAnswer, store::redirect_answer_id(*sid, visit_n));
  if (!stored) {
    spdlog::warn("twilio: redirect document for call {} (visit {}) not found", *sid, *visit);
    return reply(server::json_error(404, "not_found", "no redirect document for this call"));
  }
  reply(to_response(*stored));
}

}  // namespace callrouter::app
