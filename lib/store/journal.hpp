// The durable journal: RocksDB with one column family per record kind and group commit.
// Writes queued during one event-loop turn share one WriteBatch and one fsync on the journal thread.
#pragma once

#include <rocksdb/db.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/expected.hpp"
#include "config/config.hpp"

namespace callrouter::store {

// Column families; docs/storage.md describes each one's key schema.
enum class Cf : std::size_t {
  config = 0,     // orgs, numbers, flows, users, groups, keys
  calls,          // call records
  calls_by_time,  // index: org, start time, sid -> ""
  call_events,    // per-call event list
  ledger,         // credit ledger entries
  idempotency,    // webhook idempotency keys -> stored answer
  outbox,         // outbound requests that must not be lost
  live_calls,     // index: org, sid -> "" for calls not yet ended (restored at start)
  events,         // committed call events: org, seq -> event JSON (the change feed)
  count_
};

struct WriteOp {
  Cf cf;
  std::string key;
  std::string value;  // ignored when erase
  bool erase = false;
};
using WriteSet = std::vector<WriteOp>;

class Journal {
 public:
  // Runs a completion on the thread that owns the journal's callers (the event loop).
  using Post = std::function<void(std::function<void()>)>;
  using Done = std::function<void(bool durable)>;

  static Expected<std::unique_ptr<Journal>> open(const std::filesystem::path& dir,
                                                  Durability durability, Post post);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Queues `ops`; `done` runs on the loop thread once they are durable (or failed as a whole).
  // Call from the loop thread only.
  //
  // After a failed write, every group committed before the loop saw that failure fails too:
  // such groups may have been built on state that never became durable. Groups committed after
  // the failure's completions ran are written normally, so the journal recovers by itself when
  // the disk does (RocksDB is resumed before the next write).
  void commit(WriteSet ops, Done done);

  // Writes and syncs at once, bypassing the loop: for start-up work (seeding) before serving.
  Expected<Ok> write_now(const WriteSet& ops);

  std::optional<std::string> get(Cf cf, std::string_view key) const;
  // Visits keys starting with `prefix` in order until `visit` returns false; `from` (a key under
  // the prefix) starts there instead of at the first.
  void scan_prefix(Cf cf, std::string_view prefix,
                   const std::function<bool(std::string_view key, std::string_view value)>& visit,
                   std::string_view from = {}) const;

  // The greatest key starting with `prefix`, if any.
  std::optional<std::string> last_key_with_prefix(Cf cf, std::string_view prefix) const;

  // A consistent on-disk copy (RocksDB checkpoint) in `dir`, which must not exist yet.
  Expected<Ok> checkpoint(const std::filesystem::path& dir) const;

  // Stops the journal thread after everything queued is written. Completions already posted
  // still run on the loop.
  void close();

  std::size_t pending_batches() const;
  std::uint64_t commits() const { return commits_.load(std::memory_order_relaxed); }

 private:
  struct Group {
    WriteSet ops;
    std::vector<Done> done;
    std::uint64_t generation = 0;  // the loop's failure count when the group was built
  };
  Journal(std::filesystem::path dir, std::unique_ptr<rocksdb::DB> db,
          std::vector<rocksdb::ColumnFamilyHandle*> handles, Durability durability, Post post);
  bool recover();  // journal thread
  void flush_turn();
  void run();

  std::filesystem::path dir_;
  // Readers (loop thread) share; the journal thread takes it alone only to reopen after errors.
  mutable std::shared_mutex db_mutex_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  Durability durability_;
  Post post_;

  Group turn_;  // loop thread only
  bool flush_scheduled_ = false;
  std::uint64_t generation_ = 0;  // loop thread only: failures the loop has seen
  std::uint64_t reject_below_ = 0;  // journal thread only
  bool needs_resume_ = false;       // journal thread only

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Group> queue_;
  bool stopping_ = false;
  std::atomic<std::uint64_t> commits_{0};
  std::thread thread_;
};

// Value encoding: one version byte, then the payload. Readers reject versions they do not know.
inline constexpr char kValueVersion = 1;
std::string encode_value(std::string_view payload);
std::optional<std::string_view> decode_value(std::string_view stored);

// Keys join parts with NUL so one org's records are contiguous and prefixes cannot collide.
std::string make_key(std::initializer_list<std::string_view> parts);

}  // namespace callrouter::store
