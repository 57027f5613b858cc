#include "engine/call_book.hpp"

#include <algorithm>
#include <charconv>

#include "events/call_events.hpp"
#include "store/answer_records.hpp"
#include "store/call_records.hpp"
#include "store/config_records.hpp"

namespace callrouter::engine {

std::string encode_answer(const StoredAnswer& a) {
  // "status\ncontent-type\nbody": the body may hold anything, so it goes last.
  return std::to_string(a.status) + "\n" + a.content_type + "\n" + a.body;
}

std::optional<StoredAnswer> decode_answer(std::string_view s) {
  auto nl1 = s.find('\n');
  if (nl1 == std::string_view::npos) return std::nullopt;
  auto nl2 = s.find('\n', nl1 + 1);
  if (nl2 == std::string_view::npos) return std::nullopt;
  StoredAnswer a;
  auto [p, ec] = std::from_chars(s.data(), s.data() + nl1, a.status);
  if (ec != std::errc() || p != s.data() + nl1) return std::nullopt;
  a.content_type = std::string(s.substr(nl1 + 1, nl2 - nl1 - 1));
  a.body = std::string(s.substr(nl2 + 1));
  return a;
}

std::optional<engine::CallRecord> CallBook::find(std::string_view org_id, std::string_view sid) const {
  auto key = store::call_key(org_id, sid);
  if (auto it = pending_.find(key); it != pending_.end()) return it->second.record;
  if (auto it = live_.find(key); it != live_.end()) return it->second;
  return store::read_call(journal_, org_id, sid);
}

std::optional<StoredAnswer> CallBook::find_answer(std::string_view org_id, std::string_view kind,
                                                  std::string_view id) const {
  auto key = store::answer_key(org_id, kind, id);
  if (auto it = pending_answers_.find(key); it != pending_answers_.end()) return it->second.answer;
  auto stored = journal_.get(store::Cf::idempotency, key);
  if (!stored) return std::nullopt;
  auto value = store::decode_answer_value(*stored);
  if (!value) return std::nullopt;
  return decode_answer(value->payload);
}

CallBook::Ticket CallBook::stage(const engine::CallRecord& record, const engine::CallEvent* event,
                                 runtime::Change& change, std::optional<bool> exists) {
  const Ticket ticket = next_ticket_++;
  auto& ops = change.records;
  auto key = store::call_key(record.org_id, record.sid);
  // The record as it stands: unsettled writes first, then live calls; a call on record in
  // neither has ended (only its charges still change), so it is read from the journal.
  // Points into the maps, which stay unchanged until the events are made (no copy per webhook).
  const engine::CallRecord* before = nullptr;
  std::optional<engine::CallRecord> stored;
  if (auto it = pending_.find(key); it != pending_.end()) {
    before = &it->second.record;
  } else if (auto live = live_.find(key); live != live_.end()) {
    before = &live->second;
  } else if (exists.value_or(true) && (stored = store::read_call(journal_, record.org_id, record.sid))) {
    before = &*stored;
  }
  const auto now = event != nullptr ? event->at : record.ended_at.value_or(record.started_at);
  for (auto& e : events::call_events(before, record, now)) change.events.push_back(std::move(e));
  ops.push_back({store::Cf::calls, key, store::encode_value(engine::to_json(record))});
  // The call log's time index is `history` (docs/storage.md), derived from the call's events.
  if (record.terminal()) {
    ops.push_back({store::Cf::live_calls, key, "", true});
  } else {
    ops.push_back({store::Cf::live_calls, key, ""});
  }
  if (event != nullptr) {
    ops.push_back({store::Cf::call_events, store::call_event_key(record.org_id, record.sid, event->kind, event->seq),
                   store::encode_value(engine::to_json(*event))});
  }
  pending_[key] = PendingRecord{record, ticket};
  ticket_records_[ticket].emplace_back(std::move(key), record);
  return ticket;
}

CallBook::Ticket CallBook::stage_answer(std::string_view org_id, std::string_view kind, std::string_view id,
                                        const StoredAnswer& answer, Timestamp now, store::WriteSet& ops, Ticket ticket) {
  if (ticket == 0) ticket = next_ticket_++;
  auto key = store::answer_key(org_id, kind, id);
  ops.push_back({store::Cf::idempotency, key, store::encode_answer_value(encode_answer(answer), now)});
  pending_answers_[key] = PendingAnswer{answer, ticket};
  ticket_answers_[ticket].push_back(std::move(key));
  return ticket;
}

void CallBook::settle(Ticket ticket, bool durable) {
  if (auto it = ticket_records_.find(ticket); it != ticket_records_.end()) {
    for (auto& [key, record] : it->second) {
      if (durable) {
        if (record.terminal()) {
          live_.erase(key);
        } else {
          live_[key] = std::move(record);
        }
      }
      // A later write to the same call may own the pending entry now; it settles it itself.
      auto p = pending_.find(key);
      if (p != pending_.end() && p->second.ticket == ticket) pending_.erase(p);
    }
    ticket_records_.erase(it);
  }
  if (auto it = ticket_answers_.find(ticket); it != ticket_answers_.end()) {
    for (const auto& key : it->second) {
      auto p = pending_answers_.find(key);
      if (p != pending_answers_.end() && p->second.ticket == ticket) pending_answers_.erase(p);
    }
    ticket_answers_.erase(it);
  }
}

std::vector<engine::CallRecord> CallBook::live_started_before(Timestamp cutoff, std::size_t limit) const {
  std::vector<const engine::CallRecord*> old;
  for (const auto& [key, record] : live_) {
    if (record.started_at < cutoff && !record.terminal()) old.push_back(&record);
  }
  const auto n = std::min(limit, old.size());
  std::partial_sort(old.begin(), old.begin() + static_cast<std::ptrdiff_t>(n), old.end(),
                    [](const auto* a, const auto* b) { return a->started_at < b->started_at; });
  std::vector<engine::CallRecord> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(*old[i]);
  return out;
}

std::vector<const engine::CallRecord*> CallBook::live_of(std::string_view org_id, std::size_t limit) const {
  std::vector<const engine::CallRecord*> out;
  for (const auto& [key, record] : live_) {
    if (record.org_id == org_id && !record.terminal()) out.push_back(&record);
  }
  const auto n = std::min(limit, out.size());
  std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n), out.end(),
                    [](const auto* a, const auto* b) { return a->started_at > b->started_at; });
  out.resize(n);
  return out;
}

void CallBook::restore_live(engine::CallRecord record) {
  auto key = store::call_key(record.org_id, record.sid);
  live_[key] = std::move(record);
}

}  // namespace callrouter::engine
