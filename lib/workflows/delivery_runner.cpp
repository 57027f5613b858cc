#include "workflows/delivery_runner.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "store/workflow_records.hpp"
#include "workflows/webhook_signature.hpp"
#include "workflows/webhook_url.hpp"

namespace callrouter::workflows {
namespace {

std::string endpoint_key(std::string_view org_id, std::string_view url) {
  return fmt::format("{}\n{}", org_id, url_origin(url));
}

std::chrono::milliseconds until(Timestamp at, Timestamp now) {
  if (at <= now) return std::chrono::milliseconds(0);
  return std::chrono::ceil<std::chrono::milliseconds>(at - now);
}

// What the log shows of a failed try: the status, and the start of the receiver's answer.
std::string describe_failure(const outbound::OutboundResponse& r) {
  if (r.status == 0) return r.error.empty() ? std::string("no answer") : r.error;
  std::string body = r.body.substr(0, 200);
  for (auto& c : body) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return body.empty() ? fmt::format("HTTP {}", r.status) : fmt::format("HTTP {}: {}", r.status, body);
}

}  // namespace

outbound::OutboundRequest DeliveryRunner::request_for(const Workflow& wf, std::string_view webhook_id, std::string body,
                                                      Timestamp now) const {
  outbound::OutboundRequest req;
  req.method = "POST";
  req.url = wf.action.url;
  req.content_type = "application/json";
  const auto ts = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const auto key = decode_secret(wf.action.secret).value_or(std::string());
  req.headers = {{"webhook-id", std::string(webhook_id)},
                 {"webhook-timestamp", std::to_string(ts)},
                 {"webhook-signature", sign(key, webhook_id, ts, body)}};
  req.body = std::move(body);
  req.timeout = settings_.timeout;
  req.max_attempts = 1;  // retries are the outbox's, durable, on its own schedule
  if (!settings_.allow_private_networks) {
    req.address_allowed = [](const std::string& ip) { return !is_non_public_address(ip); };
  }
  return req;
}

void DeliveryRunner::send_once(const Workflow& wf, std::string webhook_id, std::string body,
                               std::function<void(outbound::OutboundResponse)> done) {
  auto* http = wiring_.http();
  if (http == nullptr) return done({0, {}, "outbound HTTP is not available", 0, {}});
  http->send(request_for(wf, webhook_id, std::move(body), wiring_.now()), std::move(done));
}

void DeliveryRunner::add(Delivery d) {
  const auto* wf = wiring_.find_workflow(d.org_id, d.workflow_id);
  auto ep = endpoint_key(d.org_id, wf ? std::string_view(wf->action.url) : std::string_view());
  auto key = ep + '\0' + d.call_sid;
  if (!pending_ids_.insert(delivery_id(d)).second) return;  // already queued (a manual retry raced)
  auto& chain = chains_[key];
  chain.endpoint = std::move(ep);
  chain.queue.push_back(std::move(d));
  if (chain.queue.size() == 1 && !chain.busy) schedule_head(key, chain);
}

std::optional<Timestamp> DeliveryRunner::oldest_pending() const {
  std::optional<Timestamp> oldest;
  for (const auto& [key, chain] : chains_) {
    for (const auto& d : chain.queue) {
      if (!oldest || d.created_at < *oldest) oldest = d.created_at;
      break;  // a chain is in event order: its head is its oldest
    }
  }
  return oldest;
}

void DeliveryRunner::schedule_head(const std::string& chain_key, const Chain& chain) {
  due_.emplace(chain.queue.front().next_attempt_at, chain_key);
  arm_timer();
}

void DeliveryRunner::arm_timer() {
  if (due_.empty()) return;
  const auto at = due_.begin()->first;
  if (timer_armed_ && timer_at_ <= at) return;
  // The scheduler cannot cancel: an earlier timer supersedes a later one by its generation, and
  // a superseded one that still fires only pumps (harmless).
  timer_armed_ = true;
  timer_at_ = at;
  const auto generation = ++timer_generation_;
  wiring_.schedule(until(at, wiring_.now()), [this, generation] {
    if (generation == timer_generation_) timer_armed_ = false;
    pump();
  });
}

void DeliveryRunner::pump() {
  const auto now = wiring_.now();
  std::vector<std::string> touched;
  while (!due_.empty() && due_.begin()->first <= now) {
    auto key = std::move(due_.begin()->second);
    due_.erase(due_.begin());
    auto it = chains_.find(key);
    if (it == chains_.end() || it->second.queue.empty() || it->second.busy) continue;
    endpoint(it->second.endpoint).ready.push_back(key);
    touched.push_back(it->second.endpoint);
  }
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  for (const auto& ep : touched) drain(ep);
  arm_timer();
}

DeliveryRunner::Endpoint& DeliveryRunner::endpoint(const std::string& key) {
  auto it = endpoints_.find(key);
  if (it == endpoints_.end()) it = endpoints_.emplace(key, Endpoint(settings_.endpoint_rate_per_s)).first;
  return it->second;
}

void DeliveryRunner::drain(const std::string& endpoint_key) {
  auto& ep = endpoint(endpoint_key);
  const auto now = wiring_.now();
  while (!ep.ready.empty() && ep.in_flight < settings_.endpoint_concurrency) {
    if (auto wait = ep.limiter.take(now); wait.count() > 0) {
      if (!ep.wake_armed) {
        ep.wake_armed = true;
        wiring_.schedule(std::chrono::ceil<std::chrono::milliseconds>(wait), [this, endpoint_key] {
          endpoint(endpoint_key).wake_armed = false;
          drain(endpoint_key);
        });
      }
      return;
    }
    auto key = std::move(ep.ready.front());
    ep.ready.pop_front();
    auto it = chains_.find(key);
    if (it == chains_.end() || it->second.queue.empty() || it->second.busy) continue;
    send(key, it->second, ep, now);
  }
}

void DeliveryRunner::send(const std::string& chain_key, Chain& chain, Endpoint& ep, Timestamp now) {
  auto& d = chain.queue.front();
  const auto* wf = wiring_.find_workflow(d.org_id, d.workflow_id);
  if (wf == nullptr || !wf->enabled) {
    // Deleted or disabled since the event fired: the rule no longer wants it.
    d.status = DeliveryStatus::failed;
    d.last_error = wf == nullptr ? "the workflow was deleted"
                                 : (wf->disabled_reason.empty() ? "the workflow is disabled" : wf->disabled_reason);
    ++stats_.failed;
    return finish(chain_key, chain);
  }
  auto body = wiring_.body(d);
  if (!body) {
    d.status = DeliveryStatus::failed;
    d.last_error = "its event is not in the journal";
    ++stats_.failed;
    return finish(chain_key, chain);
  }
  auto* http = wiring_.http();
  ++d.attempts;
  ++stats_.attempts;
  d.last_attempt_at = now;
  chain.busy = true;
  ++ep.in_flight;
  if (http == nullptr) return answered(chain_key, {0, {}, "outbound HTTP is not available", 0, {}});
  http->send(request_for(*wf, delivery_id(d), std::move(*body), now),
             [this, chain_key](outbound::OutboundResponse r) { answered(chain_key, r); });
}

void DeliveryRunner::answered(const std::string& chain_key, const outbound::OutboundResponse& r) {
  auto it = chains_.find(chain_key);
  if (it == chains_.end() || it->second.queue.empty()) return;
  auto& chain = it->second;
  const auto endpoint_key = chain.endpoint;
  auto& ep = endpoint(endpoint_key);
  --ep.in_flight;
  chain.busy = false;
  auto& d = chain.queue.front();
  const auto now = wiring_.now();
  d.last_status = r.status;
  const auto outcome = r.status == 0 ? AttemptOutcome::retry : classify(r.status);
  d.last_error = outcome == AttemptOutcome::delivered ? std::string() : describe_failure(r);
  switch (outcome) {
    case AttemptOutcome::delivered:
      d.status = DeliveryStatus::delivered;
      ++stats_.delivered;
      finish(chain_key, chain);
      break;
    case AttemptOutcome::gone:
      d.status = DeliveryStatus::failed;
      d.last_error = "the receiver answered 410 Gone: the workflow was disabled";
      ++stats_.failed;
      if (const auto* wf = wiring_.find_workflow(d.org_id, d.workflow_id)) wiring_.gone(*wf);
      finish(chain_key, chain);
      break;
    case AttemptOutcome::retry: {
      auto next = next_attempt_at(settings_.retry, d.attempts - d.attempts_before_window, d.window_start, now,
                                  parse_retry_after(r.retry_after, now), wiring_.random());
      if (!next) {
        d.status = DeliveryStatus::dead;
        ++stats_.dead;
        spdlog::warn("workflows: delivery {} is dead after {} tries: {}", delivery_id(d), d.attempts, d.last_error);
        finish(chain_key, chain);
        break;
      }
      ++stats_.retries;
      d.next_attempt_at = *next;
      persist(d);
      schedule_head(chain_key, chain);
      break;
    }
  }
  drain(endpoint_key);
}

void DeliveryRunner::finish(const std::string& chain_key, Chain& chain) {
  persist(chain.queue.front());
  pending_ids_.erase(delivery_id(chain.queue.front()));
  chain.queue.pop_front();
  if (chain.queue.empty()) {
    chains_.erase(chain_key);
    return;
  }
  schedule_head(chain_key, chain);
}

void DeliveryRunner::persist(const Delivery& d) {
  // Not awaited: if this write is lost (crash, refused batch) the journal still holds the older
  // state, and the delivery is sent again after a restart with the same webhook-id: at least once.
  store::WriteSet ops;
  store::put_delivery(d, ops);
  wiring_.commit(std::move(ops));
}

}  // namespace callrouter::workflows
