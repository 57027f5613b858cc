// GET /v1/events: the change feed. The org's committed call events, oldest first, read from the
// journal (so only durable events are ever shown); an empty list means the reader is caught up.
#include <fmt/format.h>


#include "api/query_count.hpp"
#include "app/api_support.hpp"
#include "app/app.hpp"
#include "store/event_records.hpp"

namespace callrouter::app {

namespace {

constexpr std::size_t kDefaultLimit = 100;
constexpr std::size_t kMaxLimit = 1000;

}  // namespace

void App::list_events(std::string_view after_text, std::string_view limit_text, const Principal& who, server::Reply reply) {
  auto after = api::query_count(after_text, 0);
  if (!after) return reply(server::json_error(400, "invalid_request", "query 'after': must be a seq (a non-negative integer)"));
  auto limit = api::query_count(limit_text, kDefaultLimit);
  if (!limit || *limit == 0 || *limit > kMaxLimit) {
    return reply(server::json_error(400, "invalid_request", fmt::format("query 'limit': must be 1..{}", kMaxLimit)));
  }
  auto stored = store::read_events(journal_, who.org_id, *after, static_cast<std::size_t>(*limit));
  std::string body = R"({"events":[)";
  for (std::size_t i = 0; i < stored.size(); ++i) {
    if (i != 0) body.push_back(',');
    body.append(stored[i]);
  }
  body.append("]}");
  reply(json_answer(200, std::move(body)));
}

}  // namespace callrouter::app
