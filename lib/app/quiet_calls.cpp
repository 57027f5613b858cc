// Calls whose end we never heard of (a lost terminal callback) would stay live for ever: held in
// memory, in the journal's live calls and restored at every start. A timer looks for calls older
// than calls.check_after_s, asks the provider for each one's state, and closes those that ended
// with the provider's own status and duration, as a status callback would have. A call the
// provider does not know is closed as failed; so is one older than calls.expire_after_s (past the
// provider's 24 h limit) when the provider cannot be asked or answers garbage. Each close goes through Engine::apply like any callback: one commit path.
#include <spdlog/spdlog.h>

#include "app/app.hpp"
#include "provider/twilio/call_resource.hpp"

namespace callrouter::app {
namespace {

// A sweep asks about at most this many calls, one at a time, so a backlog never floods the
// provider's API; the rest wait for the next sweep.
constexpr std::size_t kChecksPerSweep = 100;
constexpr std::chrono::seconds kMaxSweepPeriod{600};

}  // namespace

void App::start_quiet_call_timer() {
  check_quiet_calls();
  const auto period = std::min<std::chrono::seconds>(kMaxSweepPeriod, config_.calls_check_after);
  if (schedule_) schedule_(std::chrono::duration_cast<std::chrono::milliseconds>(period), [this] { start_quiet_call_timer(); });
}

void App::check_quiet_calls() {
  if (!quiet_checks_.empty()) return;  // the last sweep is still asking
  const auto now = clock_();
  for (auto& call : calls_.live_started_before(now - config_.calls_check_after, kChecksPerSweep)) {
    quiet_checks_.push_back(std::move(call));
  }
  check_next_quiet_call();
}

void App::check_next_quiet_call() {
  if (quiet_checks_.empty()) return;
  auto call = std::move(quiet_checks_.front());
  quiet_checks_.pop_front();
  const auto* org = directory_.org(call.org_id);
  if (org == nullptr) return check_next_quiet_call();
  // Past expire_after the call is closed only when the provider cannot say otherwise: a clock
  // stepped forward must not end calls the provider still has live. And when the provider cannot
  // be asked, the age is the one the monotonic clock vouches for: a wall clock stepped days ahead
  // would otherwise close every live call as expired.
  auto expired = [this, started = call.started_at] {
    const auto now = clock_();
    return (now - started) - clock_steps_.ahead(now) >= config_.calls_expire_after;
  };
  if (http_ == nullptr) {
    if (expired()) close_quiet_call(call, "failed", std::nullopt, "expired");
    return check_next_quiet_call();
  }
  http_->send(twilio::fetch_call_request(config_.provider_api_base_url, org->account_sid, org->auth_token, call.sid),
              [this, call, expired](outbound::OutboundResponse r) {
                if (r.status == 404) {
                  close_quiet_call(call, "failed", std::nullopt, "unknown to the provider");
                } else if (r.status == 200) {
                  auto state = twilio::read_call_resource(r.body);
                  if (!state) {
                    spdlog::warn("call {}: the provider's answer about it is unreadable ({})", call.sid, state.error());
                    if (expired()) close_quiet_call(call, "failed", std::nullopt, "expired; the provider's answer was unreadable");
                  } else if (engine::is_terminal_status(state->status)) {
                    close_quiet_call(call, state->status, state->duration_s, "ended at the provider");
                  }  // still live there: asked again at a later sweep
                } else {
                  spdlog::warn("call {}: the provider could not be asked about it ({} {})", call.sid, r.status, r.error);
                  if (expired()) close_quiet_call(call, "failed", std::nullopt, "expired; the provider could not be asked");
                }
                check_next_quiet_call();
              });
}

void App::close_quiet_call(const engine::CallRecord& call, const std::string& status,
                           std::optional<std::int64_t> duration_s, std::string_view why) {
  const auto* org = directory_.org(call.org_id);
  auto current = calls_.find(call.org_id, call.sid);
  if (org == nullptr || !current || current->terminal()) return;  // it ended while we asked
  spdlog::warn("call {} of org {} had not ended {} min after it started; closed as {} ({})", call.sid, call.org_id,
               std::chrono::duration_cast<std::chrono::minutes>(clock_() - call.started_at).count(), status, why);
  engine::CallStatusChanged closed;
  closed.call_sid = call.sid;
  closed.status = status;
  closed.direction = call.direction;
  closed.from = call.from;
  closed.to = call.to;
  closed.call_duration_s = duration_s;
  apply(engine::CallStatusEvent{{org, {}}, closed}, nullptr);
}

}  // namespace callrouter::app
