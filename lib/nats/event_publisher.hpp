// Publishes the committed call events to NATS JetStream (events.nats_url, docs/scale-out.md): a
// consumer of the committed stream that reads what to send from the journal, on its own thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "store/reader.hpp"

// libnats' types, declared as nats.h does, so this header does not pull it in.
typedef struct __jsCtx jsCtx;
typedef struct __natsMsg natsMsg;
typedef struct jsPubAck jsPubAck;
typedef struct jsPubAckErr jsPubAckErr;

namespace callrouter::nats {

class AckWindow;

// The publisher's name in the `cursors` column family (store/cursor_records.hpp).
inline constexpr std::string_view kCursorConsumer = "nats";

struct PublisherSettings {
  std::string url;                             // nats://host:port
  std::size_t window = 256;                    // events of one org in flight at once
  std::chrono::milliseconds ack_wait{2'000};   // a publish not acknowledged by then is sent again
  std::chrono::milliseconds retry_delay{250};  // between tries while NATS or the stream is missing
};

class EventPublisher {
 public:
  // `journal` is read from the publisher thread (RocksDB reads are thread-safe). Starts the
  // thread, which connects in the background: NATS being down is not an error, only a backlog.
  EventPublisher(PublisherSettings settings, const store::Reader& journal);
  ~EventPublisher();  // stops and joins; events not yet acknowledged go after the next start
  EventPublisher(const EventPublisher&) = delete;
  EventPublisher& operator=(const EventPublisher&) = delete;

  // Loop thread, from the EventLog consumer (and at start, each org's last seq): the org's events
  // up to `seq` are durable. Never blocks on NATS: it records a number and wakes the thread.
  void committed(const std::string& org_id, std::uint64_t seq);

  // Loop thread: the cursors that moved since the last call (org, the last seq JetStream stored),
  // for the loop to journal. Taken, not pushed, so the publisher never calls into the loop.
  std::vector<std::pair<std::string, std::uint64_t>> take_moved_cursors();

  struct Figures {
    std::uint64_t published = 0;  // events JetStream acknowledged (duplicates included)
    std::uint64_t backlog = 0;    // committed events not acknowledged yet, all orgs
    bool connected = false;
  };
  Figures figures() const;

 private:
  struct OrgProgress {
    std::uint64_t committed = 0;  // set by the loop
    std::uint64_t cursor = 0;     // the last seq JetStream acknowledged (publisher thread)
    bool cursor_loaded = false;   // read from the journal the first time the thread sees the org
    bool cursor_moved = false;    // not yet handed to the loop to journal
  };
  struct Connection;  // libnats objects: only event_publisher.cpp sees them

  void run();
  void load_cursors();  // orgs new to the thread start at their persisted cursor
  bool next_work(std::string& org_id, std::uint64_t& cursor, std::uint64_t& last);
  bool publish_window(const std::string& org_id, std::uint64_t cursor, std::uint64_t last);
  void outage(const std::string& why);
  void drop_connection(const std::string& why);  // a new one is made after a pause
  void pause();
  // libnats' ack handler (jsPubAckHandler), on its thread: what was stored goes into the window.
  static void acked(jsCtx* js, natsMsg* msg, jsPubAck* ack, jsPubAckErr* error, void* closure);

  PublisherSettings settings_;
  const store::Reader& journal_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, OrgProgress> orgs_;
  std::string last_org_;  // round robin: the org after this one goes next
  bool stopping_ = false;
  std::atomic<std::uint64_t> published_{0};
  std::atomic<bool> connected_{false};

  // The window in flight, filled in by the ack handler on a libnats thread.
  std::mutex window_mutex_;
  std::string window_org_;
  std::unique_ptr<AckWindow> window_;

  bool in_outage_ = false;  // publisher thread: log an outage once, and its end once
  std::chrono::steady_clock::time_point outage_since_;
  std::unique_ptr<Connection> connection_;
  std::thread thread_;
};

}  // namespace callrouter::nats
