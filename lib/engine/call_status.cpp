#include "engine/call_status.hpp"

#include <algorithm>

namespace callrouter::engine {

std::string_view disposition_for(std::string_view s) {
  if (s == "completed") return "answered";
  if (s == "busy" || s == "no-answer" || s == "canceled") return "missed";
  return "failed";
}

StatusUpdate apply_status(std::optional<CallRecord> current, std::string_view org_id,
                          const StatusCallback& cb, Timestamp now) {
  StatusUpdate u;
  const Timestamp at = cb.timestamp.value_or(now);
  if (current) {
    u.record = std::move(*current);
  } else {
    // The first we hear of this call: e.g. an outbound leg, or its voice webhook went elsewhere.
    auto& r = u.record;
    r.sid = std::string(cb.call_sid);
    r.org_id = std::string(org_id);
    r.direction = cb.direction.starts_with("outbound") ? "outbound" : "inbound";
    r.from = std::string(cb.from);
    r.to = std::string(cb.to);
    r.started_at = at;
  }
  auto& r = u.record;
  if (cb.sequence) {
    auto& seen = r.status_seqs;
    if (std::find(seen.begin(), seen.end(), *cb.sequence) != seen.end()) {
      u.duplicate = true;
      return u;
    }
    seen.push_back(*cb.sequence);
    std::sort(seen.begin(), seen.end());
  }
  const std::int64_t seq = cb.sequence ? static_cast<std::int64_t>(*cb.sequence) : r.last_status_seq + 1;
  u.event = CallEvent{"status", seq, std::string(cb.status), at};

  // Facts hold whatever order they arrive in; only `status` needs the ordering rules.
  if (cb.status == "in-progress" && !r.answered_at) r.answered_at = at;
  const bool terminal = is_terminal_status(cb.status);
  if (terminal) {
    if (!r.ended_at) r.ended_at = at;
    if (cb.call_duration_s && !r.duration_s) r.duration_s = cb.call_duration_s;
  }
  if (!r.terminal() && (terminal || seq > r.last_status_seq)) {
    r.status = std::string(cb.status);
    r.last_status_seq = std::max(r.last_status_seq, seq);
    if (terminal && r.disposition.empty()) r.disposition = std::string(disposition_for(cb.status));
  }
  return u;
}

}  // namespace callrouter::engine
