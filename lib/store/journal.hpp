// The durable journal: RocksDB with one column family per record kind and group commit.
// Writes queued during one event-loop turn share one WriteBatch and one fsync on the journal thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"
#include "common/time.hpp"
#include "config/config.hpp"
#include "store/reader.hpp"
#include "store/write_set.hpp"

namespace callrouter::store {

class Journal final : public Reader {
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

  std::optional<std::string> get(Cf cf, std::string_view key) const override;
  void scan_prefix(Cf cf, std::string_view prefix,
                   const std::function<bool(std::string_view key, std::string_view value)>& visit,
                   std::string_view from = {}) const override;
  std::optional<std::string> last_key_with_prefix(Cf cf, std::string_view prefix) const override;

  // The same newest first: keys starting with `prefix` below `before` (exclusive; empty: from the
  // greatest), in descending order until `visit` returns false.
  void scan_prefix_reverse(Cf cf, std::string_view prefix,
                           const std::function<bool(std::string_view key, std::string_view value)>& visit,
                           std::string_view before = {}) const;

  // Retention: compactions drop call log and call entries that started before `cutoff` (none:
  // keep everything). Set from the loop; read by RocksDB's compaction threads.
  void set_retention_cutoff(std::optional<Timestamp> cutoff);
  // Idempotency answers stored before `cutoff` are dropped the same way (none until this is set).
  void set_answer_cutoff(Timestamp cutoff);

  // A consistent on-disk copy (RocksDB checkpoint) in `dir`, which must not exist yet. Blocks
  // for as long as the memtables take to flush: not for the loop thread (see start_checkpoint).
  Expected<Ok> checkpoint(const std::filesystem::path& dir) const;

  // The same on a worker thread, so the loop keeps serving while memtables flush; `done` runs on
  // the loop. Call from the loop thread. False (and `done` never runs) while another runs.
  using CheckpointDone = std::function<void(Expected<Ok>)>;
  bool start_checkpoint(std::filesystem::path dir, CheckpointDone done);

  // A full manual compaction on a worker thread (what retention removed leaves the disk); `done`
  // runs on the loop. False (and `done` never runs) while a compaction or checkpoint runs.
  bool start_compaction(CheckpointDone done);

  // Stops the journal thread after everything queued is written (and waits for a running
  // checkpoint). Completions already posted still run on the loop.
  void close();

  std::size_t pending_batches() const;
  std::uint64_t commits() const;

 private:
  struct Impl;  // RocksDB and the journal thread: only journal.cpp sees them
  explicit Journal(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Value encoding: one version byte, then the payload. Readers reject versions they do not know.
inline constexpr char kValueVersion = 1;
std::string encode_value(std::string_view payload);
std::optional<std::string_view> decode_value(std::string_view stored);

// Keys join parts with NUL so one org's records are contiguous and prefixes cannot collide.
std::string make_key(std::initializer_list<std::string_view> parts);

}  // namespace callrouter::store
