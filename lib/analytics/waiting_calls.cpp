#include "analytics/waiting_calls.hpp"

#include <simdjson.h>

#include <algorithm>

namespace callrouter::analytics {

void WaitingCalls::on(const events::Event& e) {
  if (e.type == "queue.joined") {
    thread_local simdjson::dom::parser parser;
    std::string_view queue;
    simdjson::dom::element doc;
    if (parser.parse(e.data).get(doc) != simdjson::SUCCESS || doc["queue_state"].get(queue) != simdjson::SUCCESS) {
      queue = "";
    }
    add(e.org_id, e.call_sid, std::string(queue), e.at);
  } else if (e.type == "queue.left" || e.type == "queue.abandoned" || e.type == "call.ended") {
    auto org = orgs_.find(e.org_id);
    if (org != orgs_.end()) org->second.erase(e.call_sid);
  }
}

void WaitingCalls::add(std::string_view org_id, std::string_view sid, std::string queue, Timestamp since) {
  orgs_[std::string(org_id)].insert_or_assign(std::string(sid), Waiting{std::move(queue), since});
}

std::map<std::string, WaitingCalls::Queue> WaitingCalls::queues(std::string_view org_id) const {
  std::map<std::string, Queue> out;
  auto org = orgs_.find(std::string(org_id));
  if (org == orgs_.end()) return out;
  for (const auto& [sid, w] : org->second) {
    auto& q = out[w.queue];
    ++q.waiting;
    q.oldest_since = std::min(q.oldest_since, w.since);
  }
  return out;
}

}  // namespace callrouter::analytics
