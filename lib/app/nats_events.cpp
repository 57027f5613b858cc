// The committed call events on NATS JetStream (events.nats_url, docs/scale-out.md): the publisher
// is one more consumer of the committed stream, and its cursor goes through the commit path.
#include <spdlog/spdlog.h>

#include "app/app.hpp"
#include "ops/metrics.hpp"
#include "store/cursor_records.hpp"

namespace callrouter::app {

namespace {
// How often the loop journals the cursors that moved: a few writes a second at most, whatever the
// event rate.
constexpr std::chrono::milliseconds kCursorSavePeriod{100};
}  // namespace

void App::start_event_publisher(const LoadedState& state) {
  if (config_.events_nats_url.empty()) return;
  nats::PublisherSettings settings;
  settings.url = config_.events_nats_url;
  nats_ = std::make_unique<nats::EventPublisher>(std::move(settings), journal_);
  for (const auto& [org, seq] : state.last_event_seqs) {
    if (seq > 0) nats_->committed(org, seq);
  }
  events_.subscribe([this](const events::Event& e) {
    if (nats_) nats_->committed(e.org_id, e.seq);
  });
  save_nats_cursors();
  spdlog::info("nats: publishing committed events to {} (stream CALLROUTER_EVENTS)", config_.events_nats_url);
}

// The cursors go through the commit path in a batch of their own, not in their events' batches:
// a cursor is a hint. Lost in a crash (or not yet saved at a stop), the publisher sends a few
// acknowledged events again, and JetStream drops them by Nats-Msg-Id within its duplicate window
// (2 min by default).
void App::save_nats_cursors() {
  if (!nats_) return;
  store::WriteSet ops;
  for (const auto& [org, seq] : nats_->take_moved_cursors()) ops.push_back(store::put_cursor(org, nats::kCursorConsumer, seq));
  if (!ops.empty()) commit_.submit(std::move(ops), [](bool) {});
  if (schedule_) schedule_(kCursorSavePeriod, [this] { save_nats_cursors(); });
}

void App::nats_metrics() {
  if (!nats_) return;
  auto f = nats_->figures();
  metrics_.set_counter("callrouter_nats_published_total", "Committed events JetStream acknowledged (re-sends included)",
                       static_cast<double>(f.published));
  metrics_.set_gauge("callrouter_nats_backlog", "Committed events not yet acknowledged by JetStream",
                     static_cast<double>(f.backlog));
  metrics_.set_gauge("callrouter_nats_connected", "1 while connected to NATS", f.connected ? 1.0 : 0.0);
}

}  // namespace callrouter::app
