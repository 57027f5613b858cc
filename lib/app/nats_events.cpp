// The committed call events on NATS JetStream (events.nats_url, docs/scale-out.md): the publisher
// is one more consumer of the committed stream, and its cursor goes through the commit path.
#include <spdlog/spdlog.h>

#include "app/app.hpp"
#include "ops/metrics.hpp"
#include "store/cursor_records.hpp"

namespace callrouter::app {

void App::start_event_publisher(const LoadedState& state) {
  if (config_.events_nats_url.empty()) return;
  nats::PublisherSettings settings;
  settings.url = config_.events_nats_url;
  // On the publisher thread: the cursor moves on the loop, in a batch of its own. It is a hint,
  // not in the event's batch: lost in a crash, the publisher sends a few acknowledged events
  // again, and JetStream drops them by Nats-Msg-Id (within its duplicate window, 2 min by default).
  auto cursor_acked = [this](const std::string& org_id, std::uint64_t seq) {
    schedule_(std::chrono::milliseconds(0), [this, org_id, seq] {
      commit_.submit({store::put_cursor(org_id, nats::kCursorConsumer, seq)}, [](bool) {});
    });
  };
  nats_ = std::make_unique<nats::EventPublisher>(std::move(settings), journal_, std::move(cursor_acked));
  for (const auto& [org, seq] : state.last_event_seqs) {
    if (seq > 0) nats_->committed(org, seq);
  }
  events_.subscribe([this](const events::Event& e) {
    if (nats_) nats_->committed(e.org_id, e.seq);
  });
  spdlog::info("nats: publishing committed events to {} (stream CALLROUTER_EVENTS)", config_.events_nats_url);
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
