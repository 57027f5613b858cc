#include "nats/event_publisher.hpp"

#include <fmt/format.h>
#include <nats/nats.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "nats/ack_window.hpp"
#include "nats/event_subject.hpp"
#include "store/cursor_records.hpp"
#include "store/event_records.hpp"

namespace callrouter::nats {
namespace {

constexpr const char* kMsgIdHeader = "Nats-Msg-Id";

std::string last_error(natsStatus s) {
  const char* text = nats_GetLastError(nullptr);
  return text != nullptr && *text != '\0' ? std::string(text) : std::string(natsStatus_GetText(s));
}

}  // namespace

// One connection and its JetStream context, never reconnected: after a disconnect or a failed
// window it is thrown away and a new one made. What JetStream stored from one connection is a
// prefix of what was sent on it, and the next connection starts at the first seq not acknowledged,
// so nothing left in a client buffer can be replayed behind a later message and reorder an org.
struct EventPublisher::Connection {
  natsOptions* options = nullptr;
  natsConnection* connection = nullptr;
  jsCtx* js = nullptr;

  natsStatus open(const PublisherSettings& settings, void* publisher) {
    jsOptions js_options;
    jsOptions_Init(&js_options);
    js_options.Wait = settings.ack_wait.count();
    js_options.PublishAsync.MaxPending = static_cast<int64_t>(settings.window);
    js_options.PublishAsync.AckHandler = &EventPublisher::acked;
    js_options.PublishAsync.AckHandlerClosure = publisher;
    natsStatus s = natsOptions_Create(&options);
    if (s == NATS_OK) s = natsOptions_SetURL(options, settings.url.c_str());
    if (s == NATS_OK) s = natsOptions_SetAllowReconnect(options, false);
    if (s == NATS_OK) s = natsOptions_SetTimeout(options, settings.ack_wait.count());
    if (s == NATS_OK) s = natsConnection_Connect(&connection, options);
    if (s == NATS_OK) s = natsConnection_JetStream(&js, connection, &js_options);
    return s;
  }

  // CALLROUTER_EVENTS as it is, or made (file storage) when missing.
  natsStatus ensure_stream() {
    jsStreamInfo* info = nullptr;
    jsErrCode code{};
    const std::string name(kStreamName), subjects(kStreamSubjects);
    natsStatus s = js_GetStreamInfo(&info, js, name.c_str(), nullptr, &code);
    if (s == NATS_NOT_FOUND || code == JSStreamNotFoundErr) {
      jsStreamConfig config;
      jsStreamConfig_Init(&config);
      const char* subject_list[] = {subjects.c_str()};
      config.Name = name.c_str();
      config.Subjects = subject_list;
      config.SubjectsLen = 1;
      config.Storage = js_FileStorage;
      // The server's duplicate window (2 min) stays: it only has to cover re-publishing after a
      // crash or an outage, which starts as soon as the daemon or NATS is back.
      s = js_AddStream(&info, js, &config, nullptr, &code);
      if (s == NATS_OK) spdlog::info("nats: created stream {} (subjects {}, file storage)", name, subjects);
      if (code == JSStreamNameExistErr) s = NATS_OK;  // another daemon made it meanwhile
    }
    jsStreamInfo_Destroy(info);
    return s;
  }

  ~Connection() {
    jsCtx_Destroy(js);
    natsConnection_Destroy(connection);
    natsOptions_Destroy(options);
  }
};

EventPublisher::EventPublisher(PublisherSettings settings, const store::Reader& journal)
    : settings_(std::move(settings)), journal_(journal) {
  thread_ = std::thread([this] { run(); });
}

EventPublisher::~EventPublisher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  connection_.reset();
}

void EventPublisher::committed(const std::string& org_id, std::uint64_t seq) {
  {
    std::lock_guard lock(mutex_);
    auto& o = orgs_[org_id];
    o.committed = std::max(o.committed, seq);
  }
  wake_.notify_one();
}

std::vector<std::pair<std::string, std::uint64_t>> EventPublisher::take_moved_cursors() {
  std::vector<std::pair<std::string, std::uint64_t>> moved;
  std::lock_guard lock(mutex_);
  for (auto& [id, o] : orgs_) {
    if (!o.cursor_moved) continue;
    moved.emplace_back(id, o.cursor);
    o.cursor_moved = false;
  }
  return moved;
}

EventPublisher::Figures EventPublisher::figures() const {
  Figures f;
  f.published = published_.load();
  f.connected = connected_.load();
  std::lock_guard lock(mutex_);
  for (const auto& [id, o] : orgs_) {
    if (o.cursor_loaded && o.committed > o.cursor) f.backlog += o.committed - o.cursor;
  }
  return f;
}

void EventPublisher::run() {
  bool stream_ready = false;
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    load_cursors();
    if (!connection_) {
      auto c = std::make_unique<Connection>();
      if (auto s = c->open(settings_, this); s != NATS_OK) {
        outage(fmt::format("cannot connect: {}", last_error(s)));
        pause();
        continue;
      }
      connection_ = std::move(c);
      connected_ = true;
      stream_ready = false;
    }
    if (natsConnection_Status(connection_->connection) != NATS_CONN_STATUS_CONNECTED) {
      drop_connection("disconnected");
      continue;
    }
    if (!stream_ready) {
      if (auto s = connection_->ensure_stream(); s != NATS_OK) {
        outage(fmt::format("stream {}: {}", kStreamName, last_error(s)));
        pause();
        continue;
      }
      stream_ready = true;
    }
    std::string org_id;
    std::uint64_t cursor = 0, last = 0;
    if (!next_work(org_id, cursor, last)) continue;
    if (!publish_window(org_id, cursor, last)) drop_connection({});
  }
}

void EventPublisher::load_cursors() {
  std::vector<std::string> unloaded;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, o] : orgs_) {
      if (!o.cursor_loaded) unloaded.push_back(id);
    }
  }
  if (unloaded.empty()) return;
  // Read outside the lock, so the loop's committed() never waits on the disk.
  std::vector<std::uint64_t> cursors;
  for (const auto& id : unloaded) cursors.push_back(store::read_cursor(journal_, id, kCursorConsumer));
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < unloaded.size(); ++i) {
    auto& o = orgs_[unloaded[i]];
    o.cursor = cursors[i];
    o.cursor_loaded = true;
  }
}

bool EventPublisher::next_work(std::string& org_id, std::uint64_t& cursor, std::uint64_t& last) {
  std::unique_lock lock(mutex_);
  if (stopping_) return false;
  // Round robin, one window per org, so one busy org does not hold back the others' events.
  auto it = orgs_.upper_bound(last_org_);
  for (std::size_t n = 0; n < orgs_.size(); ++n, ++it) {
    if (it == orgs_.end()) it = orgs_.begin();
    const auto& o = it->second;
    if (o.cursor_loaded && o.committed > o.cursor) {
      org_id = it->first;
      cursor = o.cursor;
      last = std::min<std::uint64_t>(o.committed, o.cursor + settings_.window);
      last_org_ = org_id;
      return true;
    }
  }
  // Nothing to send: wait for committed() (it needs the lock, so its wake-up cannot slip in before
  // the wait), timed so the connection's state is looked at now and then while idle.
  wake_.wait_for(lock, settings_.retry_delay);
  return false;
}

bool EventPublisher::publish_window(const std::string& org_id, std::uint64_t cursor, std::uint64_t last) {
  auto stored = store::read_events(journal_, org_id, cursor, last - cursor);
  if (stored.empty()) {
    outage(fmt::format("org {}: event {} is not in the journal", org_id, cursor + 1));
    return false;
  }
  {
    std::lock_guard lock(window_mutex_);
    window_org_ = org_id;
    window_ = std::make_unique<AckWindow>(cursor, cursor + stored.size());
  }
  std::string failure;
  simdjson::dom::parser parser;
  auto expected = cursor + 1;
  for (const auto& json : stored) {
    simdjson::dom::element doc;
    std::uint64_t seq = 0;
    std::string_view type;
    if (parser.parse(json).get(doc) || doc["seq"].get(seq) || doc["type"].get(type) || seq != expected) {
      failure = fmt::format("org {}: journaled event {} is unreadable", org_id, expected);
      break;
    }
    const auto subject = event_subject(org_id, type);
    const auto msg_id = event_msg_id(org_id, seq);
    natsMsg* msg = nullptr;
    natsStatus s = natsMsg_Create(&msg, subject.c_str(), nullptr, json.data(), static_cast<int>(json.size()));
    if (s == NATS_OK) s = natsMsgHeader_Set(msg, kMsgIdHeader, msg_id.c_str());
    jsPubOptions options;
    jsPubOptions_Init(&options);
    options.MaxWait = settings_.ack_wait.count();  // an ack lost with the connection ends the wait
    if (s == NATS_OK) s = js_PublishMsgAsync(connection_->js, &msg, &options);
    natsMsg_Destroy(msg);  // no-op once libnats owns it
    if (s != NATS_OK) {
      failure = fmt::format("publish: {}", last_error(s));
      break;
    }
    ++expected;
  }
  jsPubOptions wait;
  jsPubOptions_Init(&wait);
  wait.MaxWait = settings_.ack_wait.count() + 1'000;
  if (js_PublishAsyncComplete(connection_->js, &wait) != NATS_OK) {
    natsMsgList pending;  // never acknowledged: dropped here, sent again from the journal
    if (js_PublishAsyncGetPendingList(&pending, connection_->js) == NATS_OK) natsMsgList_Destroy(&pending);
  }
  std::uint64_t acked = cursor;
  bool complete = false;
  {
    std::lock_guard lock(window_mutex_);
    acked = window_->cursor();
    complete = window_->complete();
    window_.reset();
    window_org_.clear();
  }
  if (acked > cursor) {
    std::lock_guard lock(mutex_);
    auto& o = orgs_[org_id];
    o.cursor = acked;
    o.cursor_moved = true;
  }
  if (!complete || !failure.empty()) {
    outage(failure.empty() ? fmt::format("org {}: events after {} not acknowledged", org_id, acked) : failure);
    return false;
  }
  if (in_outage_) {
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - outage_since_);
    spdlog::info("nats: publishing again after {} ms; the backlog drains from the journal", took.count());
    in_outage_ = false;
  }
  return true;
}

void EventPublisher::acked(jsCtx*, natsMsg* msg, jsPubAck* ack, jsPubAckErr* error, void* closure) {
  auto* self = static_cast<EventPublisher*>(closure);
  const char* msg_id = nullptr;
  if (ack != nullptr && error == nullptr && natsMsgHeader_Get(msg, kMsgIdHeader, &msg_id) == NATS_OK) {
    if (auto parsed = parse_event_msg_id(msg_id)) {
      self->published_.fetch_add(1);
      std::lock_guard lock(self->window_mutex_);
      // Defensive: a window ends with every ack in or given up (libnats drops those it gave up on).
      if (self->window_ && parsed->first == self->window_org_) self->window_->acked(parsed->second);
    }
  }
  natsMsg_Destroy(msg);  // the ack handler owns the message
}

void EventPublisher::outage(const std::string& why) {
  if (in_outage_) return;
  in_outage_ = true;
  outage_since_ = std::chrono::steady_clock::now();
  spdlog::warn("nats: {} ({}): committed events wait in the journal and go out, in order, once it is back",
               settings_.url, why);
}

void EventPublisher::drop_connection(const std::string& why) {
  if (!why.empty()) outage(why);
  connection_.reset();
  connected_ = false;
  pause();
}

void EventPublisher::pause() {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, settings_.retry_delay, [this] { return stopping_; });
}

}  // namespace callrouter::nats
