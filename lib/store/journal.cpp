#include "store/journal.hpp"

#include <rocksdb/compaction_filter.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <deque>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "store/manifest_size.hpp"
#include "store/merge_values.hpp"
#include "store/retention.hpp"

namespace callrouter::store {
namespace {

// RocksDB's own LOG file is replaced by our log (stderr, so journald): one place to read, and no
// second file whose write errors on a full disk could trip the library's assertions.
class SpdlogRocksLogger : public rocksdb::Logger {
 public:
  SpdlogRocksLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel()) return;
    char buf[1024];
    std::vsnprintf(buf, sizeof buf, format, ap);
    if (level >= rocksdb::InfoLogLevel::ERROR_LEVEL) {
      spdlog::error("rocksdb: {}", buf);
    } else {
      spdlog::warn("rocksdb: {}", buf);
    }
  }
  void Logv(const char* format, va_list ap) override { Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap); }
};

constexpr std::array<const char*, static_cast<std::size_t>(Cf::count_)> kCfNames{
    "config", "calls", "calls_by_time", "call_events", "ledger", "idempotency", "outbox", "live_calls", "events", "history",
    "history_index", "analytics", "cursors"};

}  // namespace

std::string encode_value(std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + 1);
  out.push_back(kValueVersion);
  out.append(payload);
  return out;
}

std::optional<std::string_view> decode_value(std::string_view stored) {
  if (stored.empty() || stored[0] != kValueVersion) return std::nullopt;
  return stored.substr(1);
}

std::string make_key(std::initializer_list<std::string_view> parts) {
  std::size_t size = parts.size();
  for (auto p : parts) size += p.size();
  std::string key;
  key.reserve(size);  // one allocation: keys are built several times per webhook
  bool first = true;
  for (auto p : parts) {
    if (!first) key.push_back('\0');
    key.append(p);
    first = false;
  }
  return key;
}

namespace {

// What compactions may drop, in µs since the epoch (kKeepAll: nothing). Set from the loop, read
// by RocksDB's compaction threads.
struct Cutoffs {
  static constexpr std::int64_t kKeepAll = INT64_MIN;
  std::atomic<std::int64_t> retention{kKeepAll};  // calls that started before (history.retention_days)
  std::atomic<std::int64_t> answers{kKeepAll};    // idempotency answers stored before (kAnswerKeep)
};

// Drops entries of calls that started before the retention cutoff, and answers older than theirs,
// as compactions rewrite them (a dropped key becomes a tombstone until the bottom level, so older
// versions cannot resurface).
class RetentionFilter : public rocksdb::CompactionFilter {
 public:
  RetentionFilter(Cf cf, std::shared_ptr<const Cutoffs> cutoffs) : cf_(cf), cutoffs_(std::move(cutoffs)) {}
  bool Filter(int, const rocksdb::Slice& key, const rocksdb::Slice& value, std::string*, bool*) const override {
    const auto cutoff = (cf_ == Cf::idempotency ? cutoffs_->answers : cutoffs_->retention).load(std::memory_order_relaxed);
    if (cutoff == Cutoffs::kKeepAll) return false;
    auto at = retention_time(cf_, std::string_view(key.data(), key.size()), std::string_view(value.data(), value.size()));
    return at && at->time_since_epoch().count() < cutoff;
  }
  const char* Name() const override { return "callrouter.retention"; }

 private:
  Cf cf_;
  std::shared_ptr<const Cutoffs> cutoffs_;
};

// Adds a write marked `merge` into the stored value (analytics counters: a call's delta is added
// in its event's batch, so the figures are exactly the durable events, with no read first).
class ValueMerge : public rocksdb::AssociativeMergeOperator {
 public:
  explicit ValueMerge(Cf cf) : cf_(cf) {}
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value, std::string* out,
             rocksdb::Logger*) const override {
    if (existing == nullptr) {
      out->assign(value.data(), value.size());
      return true;
    }
    auto merged = merge_values(cf_, std::string_view(existing->data(), existing->size()),
                               std::string_view(value.data(), value.size()));
    if (!merged) return false;
    *out = std::move(*merged);
    return true;
  }
  const char* Name() const override { return "callrouter.merge"; }

 private:
  Cf cf_;
};

struct OpenedDb {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  std::vector<std::unique_ptr<RetentionFilter>> filters;  // must outlive db
};

Expected<OpenedDb> open_db(const std::filesystem::path& dir, const std::shared_ptr<Cutoffs>& cutoffs) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.IncreaseParallelism(2);
  options.max_background_jobs = 2;
  options.info_log = std::make_shared<SpdlogRocksLogger>();
  options.listeners.push_back(std::make_shared<ManifestSizeListener>(dir / "journal"));
  // A WAL file lives until every column family has flushed what it holds; the quiet ones (config,
  // ledger) would keep gigabytes of WAL alive and make a restart replay all of it. Capping the
  // total forces those flushes, so restart time stays independent of how many calls were taken.
  options.max_total_wal_size = 256ull << 20;
  // Most webhook lookups are misses (a new call, a new idempotency token): a bloom filter answers
  // those without reading data blocks.
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // The same for the memtable: without it each miss walks the skip list (the profile of issue 7
  // showed four such misses per new call at ~13 % of the loop thread).
  cf_options.memtable_whole_key_filtering = true;
  // Small memtables: each insert searches a skip list of the memtable's size, and with random
  // CallSid keys that search is cache misses — the journal thread's top cost at 5,000 webhooks/s
  // with the default 64 MiB. Flushing more often is background work.
  cf_options.write_buffer_size = 8ull << 20;
  cf_options.memtable_prefix_bloom_size_ratio = 0.02;
  // Flushes and the first compactions run on the cores that serve webhooks, and their data is
  // rewritten again soon: no compression there (Snappy was ~2.5 % of the daemon's CPU at the
  // pinned ceiling), LZ4 below, where data stays.
  cf_options.compression_per_level = {rocksdb::kNoCompression, rocksdb::kNoCompression, rocksdb::kLZ4Compression,
                                      rocksdb::kLZ4Compression, rocksdb::kLZ4Compression, rocksdb::kLZ4Compression,
                                      rocksdb::kLZ4Compression};
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, cf_options);
  OpenedDb opened;
  for (std::size_t i = 0; i < kCfNames.size(); ++i) {
    auto family = cf_options;
    const auto cf = static_cast<Cf>(i);
    if (retention_applies(cf)) {
      opened.filters.push_back(std::make_unique<RetentionFilter>(cf, cutoffs));
      family.compaction_filter = opened.filters.back().get();
      // Files nobody writes to any more are still rewritten (and filtered) once a day.
      family.periodic_compaction_seconds = 24 * 3600;
    }
    if (merges_values(cf)) family.merge_operator = std::make_shared<ValueMerge>(cf);
    descriptors.emplace_back(kCfNames[i], family);
  }
  // RocksDB logs a fresh data dir's missing journal directory as an error before creating it; a
  // first start is not an error, so the directory is made here.
  std::error_code made;
  std::filesystem::create_directories(dir / "journal", made);
  if (made) return unexpected(fmt::format("cannot create the journal directory '{}': {}", (dir / "journal").string(), made.message()));
  if (auto intact = check_manifest_size(dir / "journal"); !intact) return unexpected(intact.error());
  rocksdb::DB* raw = nullptr;
  auto status = rocksdb::DB::Open(options, (dir / "journal").string(), descriptors, &opened.handles, &raw);
  if (!status.ok()) return unexpected(fmt::format("cannot open journal in '{}': {}", dir.string(), status.ToString()));
  opened.db.reset(raw);
  // The open wrote a new MANIFEST: note it before anything can be flushed into it.
  note_manifest_size(*opened.db, dir / "journal");
  return opened;
}

void close_db(std::unique_ptr<rocksdb::DB>& db, std::vector<rocksdb::ColumnFamilyHandle*>& handles) {
  if (!db) return;
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  handles.clear();
  db->Close();
  db.reset();
}

// True when the data dir takes a synced write again (space back, limit lifted).
bool disk_writable(const std::filesystem::path& dir) {
  auto probe = dir / ".write-probe";
  FILE* f = std::fopen(probe.c_str(), "wb");
  if (f == nullptr) return false;
  std::string block(4096, 'p');
  bool ok = std::fwrite(block.data(), 1, block.size(), f) == block.size() && std::fflush(f) == 0 &&
            ::fsync(fileno(f)) == 0;
  ok = (std::fclose(f) == 0) && ok;
  std::remove(probe.c_str());
  return ok;
}

}  // namespace

// Everything RocksDB and threads: kept out of the header so callers never include RocksDB.
struct Journal::Impl {
  Impl(std::filesystem::path dir, OpenedDb opened, std::shared_ptr<Cutoffs> cutoffs,
       Durability durability, Post post);
  ~Impl();

  struct Group {
    WriteSet ops;
    std::vector<Done> done;
    std::uint64_t generation = 0;  // the loop's failure count when the group was built
  };
  void commit(WriteSet ops, Done done);
  Expected<Ok> write_now(const WriteSet& ops);
  std::optional<std::string> get(Cf cf, std::string_view key) const;
  void scan_prefix(Cf cf, std::string_view prefix,
                   const std::function<bool(std::string_view key, std::string_view value)>& visit,
                   std::string_view from) const;
  void scan_prefix_reverse(Cf cf, std::string_view prefix,
                           const std::function<bool(std::string_view key, std::string_view value)>& visit,
                           std::string_view before) const;
  std::optional<std::string> last_key_with_prefix(Cf cf, std::string_view prefix) const;
  bool start_worker(std::function<Expected<Ok>()> work, CheckpointDone done);
  Expected<Ok> compact() const;
  Expected<Ok> checkpoint(const std::filesystem::path& dir) const;
  bool start_checkpoint(std::filesystem::path dir, CheckpointDone done);
  void close();
  std::size_t pending_batches() const;
  bool recover();  // journal thread
  void flush_turn();
  void run();

  std::filesystem::path dir_;
  // Readers (loop thread, checkpoint worker) share; the journal thread takes it alone only to
  // reopen after errors.
  mutable std::shared_mutex db_mutex_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::shared_ptr<Cutoffs> cutoffs_;
  std::vector<std::unique_ptr<RetentionFilter>> filters_;           // destroyed after db_ is closed
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

  // One checkpoint at a time; the flag is cleared on the loop when its completion runs.
  bool checkpoint_running_ = false;  // loop thread only
  std::thread checkpoint_thread_;
};

Expected<std::unique_ptr<Journal>> Journal::open(const std::filesystem::path& dir,
                                                  Durability durability, Post post) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return unexpected(fmt::format("cannot create data dir '{}': {}", dir.string(), ec.message()));
  auto cutoffs = std::make_shared<Cutoffs>();
  auto opened = open_db(dir, cutoffs);
  if (!opened) return unexpected(opened.error());
  if (durability == Durability::none) {
    spdlog::warn("journal.durability is \"none\": acknowledged writes are NOT fsynced; use for benchmarks only");
  }
  return std::unique_ptr<Journal>(
      new Journal(std::make_unique<Impl>(dir, std::move(*opened), std::move(cutoffs), durability, std::move(post))));
}

// A failed WAL write poisons RocksDB's log writer; Resume() cannot clear that in this version,
// so once the disk takes writes again the database is closed and reopened (reads wait briefly).
bool Journal::Impl::recover() {
  if (db_ && db_->Resume().ok()) return true;
  if (!disk_writable(dir_)) return false;
  std::unique_lock lock(db_mutex_);
  close_db(db_, handles_);
  auto opened = open_db(dir_, cutoffs_);
  if (!opened) {
    spdlog::critical("journal: reopen after a write error failed: {}", opened.error());
    return false;
  }
  db_ = std::move(opened->db);
  handles_ = std::move(opened->handles);
  filters_ = std::move(opened->filters);
  return true;
}

Journal::Impl::Impl(std::filesystem::path dir, OpenedDb opened,
                    std::shared_ptr<Cutoffs> cutoffs, Durability durability, Post post)
    : dir_(std::move(dir)),
      db_(std::move(opened.db)),
      handles_(std::move(opened.handles)),
      cutoffs_(std::move(cutoffs)),
      filters_(std::move(opened.filters)),
      durability_(durability),
      post_(std::move(post)) {
  thread_ = std::thread([this] { run(); });
}

Journal::Impl::~Impl() {
  close();
  close_db(db_, handles_);
}

void Journal::Impl::commit(WriteSet ops, Done done) {
  if (turn_.done.empty()) turn_.generation = generation_;
  for (auto& op : ops) turn_.ops.push_back(std::move(op));
  turn_.done.push_back(std::move(done));
  if (!flush_scheduled_) {
    flush_scheduled_ = true;
    // Runs after the handlers already queued in this loop turn: they all share the batch.
    post_([this] { flush_turn(); });
  }
}

void Journal::Impl::flush_turn() {
  flush_scheduled_ = false;
  if (turn_.done.empty()) return;
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(turn_));
  }
  turn_ = Group{};
  wake_.notify_one();
}

void Journal::Impl::run() {
  rocksdb::WriteOptions write_options;
  write_options.sync = durability_ == Durability::fsync;
  for (;;) {
    std::deque<Group> groups;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      groups.swap(queue_);
    }
    // A failed write leaves RocksDB in a background-error state until resumed (or reopened).
    if (needs_resume_ && recover()) {
      needs_resume_ = false;
      spdlog::info("journal: writing again after a write error");
    }
    // Turns that queued up while the previous fsync ran share the next one.
    rocksdb::WriteBatch batch;
    std::uint64_t max_generation = 0;
    std::vector<Done> written, refused;
    for (auto& g : groups) {
      auto& target = g.generation < reject_below_ ? refused : written;
      if (g.generation >= reject_below_) {
        max_generation = std::max(max_generation, g.generation);
        for (auto& op : g.ops) {
          if (needs_resume_) break;  // no database to batch for: the groups fail below
          auto* cf = handles_[static_cast<std::size_t>(op.cf) + 1];
          if (op.erase) {
            batch.Delete(cf, op.key);
          } else if (op.merge) {
            batch.Merge(cf, op.key, op.value);
          } else {
            batch.Put(cf, op.key, op.value);
          }
        }
      }
      for (auto& d : g.done) target.push_back(std::move(d));
    }
    bool ok = true;
    if (!written.empty()) {
      auto status = needs_resume_ ? rocksdb::Status::IOError("journal not resumed") : db_->Write(write_options, &batch);
      ok = status.ok();
      if (!ok) {
        spdlog::error("journal write failed: {}", status.ToString());
        needs_resume_ = true;
        reject_below_ = max_generation + 1;
      }
      commits_.fetch_add(1, std::memory_order_relaxed);
    }
    const std::uint64_t reject_below = reject_below_;
    post_([this, written = std::move(written), refused = std::move(refused), ok, reject_below]() mutable {
      if (generation_ < reject_below) {
        // Groups gathered this turn were built before the loop saw the failure: send them
        // (they will be refused) before later groups get the new generation.
        flush_turn();
        generation_ = reject_below;
      }
      for (auto& d : written) d(ok);
      for (auto& d : refused) d(false);
    });
  }
}

void Journal::Impl::close() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    if (!turn_.done.empty()) queue_.push_back(std::move(turn_));
    turn_ = Group{};
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
  if (!db_) return;
  db_->FlushWAL(true);
  // Memtables to SST files: the next start then has no WAL to replay (seconds at millions of
  // calls). Everything is already durable in the WAL, so a failed flush only costs that replay.
  rocksdb::FlushOptions flush;
  flush.wait = true;
  if (auto st = db_->Flush(flush, std::vector<rocksdb::ColumnFamilyHandle*>(handles_.begin() + 1, handles_.end())); !st.ok()) {
    spdlog::warn("journal: flush at close failed ({}); the next start replays the WAL", st.ToString());
  }
}

Expected<Ok> Journal::Impl::write_now(const WriteSet& ops) {
  rocksdb::WriteBatch batch;
  for (const auto& op : ops) {
    auto* cf = handles_[static_cast<std::size_t>(op.cf) + 1];
    if (op.erase) {
      batch.Delete(cf, op.key);
    } else if (op.merge) {
      batch.Merge(cf, op.key, op.value);
    } else {
      batch.Put(cf, op.key, op.value);
    }
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = true;
  auto status = db_->Write(write_options, &batch);
  if (!status.ok()) return unexpected(status.ToString());
  return Ok{};
}

std::size_t Journal::Impl::pending_batches() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

std::optional<std::string> Journal::Impl::get(Cf cf, std::string_view key) const {
  std::string value;
  std::shared_lock lock(db_mutex_);
  if (!db_) return std::nullopt;  // reopening after a write error failed: reads miss until it works
  auto status = db_->Get(rocksdb::ReadOptions(), handles_[static_cast<std::size_t>(cf) + 1],
                         rocksdb::Slice(key.data(), key.size()), &value);
  if (!status.ok()) return std::nullopt;
  return value;
}

void Journal::Impl::scan_prefix(Cf cf, std::string_view prefix,
                          const std::function<bool(std::string_view, std::string_view)>& visit,
                          std::string_view from) const {
  std::shared_lock lock(db_mutex_);
  if (!db_) return;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), handles_[static_cast<std::size_t>(cf) + 1]));
  const auto start = from > prefix ? from : prefix;
  for (it->Seek(rocksdb::Slice(start.data(), start.size())); it->Valid(); it->Next()) {
    auto k = it->key();
    std::string_view key(k.data(), k.size());
    if (!key.starts_with(prefix)) break;
    auto v = it->value();
    if (!visit(key, std::string_view(v.data(), v.size()))) break;
  }
}

void Journal::Impl::scan_prefix_reverse(Cf cf, std::string_view prefix,
                                        const std::function<bool(std::string_view, std::string_view)>& visit,
                                        std::string_view before) const {
  std::shared_lock lock(db_mutex_);
  if (!db_) return;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), handles_[static_cast<std::size_t>(cf) + 1]));
  // Without `before`: just past the prefix's last key (the prefix with its last byte raised; a
  // prefix of all 0xFF bytes has no such successor and starts at the very end).
  std::string bound(before.empty() ? prefix : before);
  if (before.empty()) {
    while (!bound.empty() && static_cast<unsigned char>(bound.back()) == 0xff) bound.pop_back();
    if (!bound.empty()) bound.back() = static_cast<char>(static_cast<unsigned char>(bound.back()) + 1);
  }
  if (bound.empty()) {
    it->SeekToLast();
  } else {
    it->SeekForPrev(rocksdb::Slice(bound.data(), bound.size()));
  }
  for (; it->Valid(); it->Prev()) {
    auto k = it->key();
    std::string_view key(k.data(), k.size());
    if (!bound.empty() && key >= std::string_view(bound)) continue;  // SeekForPrev lands on the bound itself
    if (!key.starts_with(prefix)) break;
    auto v = it->value();
    if (!visit(key, std::string_view(v.data(), v.size()))) break;
  }
}

Expected<Ok> Journal::Impl::compact() const {
  std::shared_lock lock(db_mutex_);
  if (!db_) return unexpected(std::string("the journal is not open (a write error is being recovered)"));
  rocksdb::CompactRangeOptions options;
  options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (std::size_t i = 1; i < handles_.size(); ++i) {
    auto status = db_->CompactRange(options, handles_[i], nullptr, nullptr);
    if (!status.ok()) return unexpected(status.ToString());
  }
  return Ok{};
}

std::optional<std::string> Journal::Impl::last_key_with_prefix(Cf cf, std::string_view prefix) const {
  std::shared_lock lock(db_mutex_);
  if (!db_) return std::nullopt;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), handles_[static_cast<std::size_t>(cf) + 1]));
  // Keys are prefix + NUL-joined parts of text: every key under the prefix sorts below prefix + 0xFF.
  std::string bound(prefix);
  bound.push_back('\xff');
  it->SeekForPrev(bound);
  if (!it->Valid()) return std::nullopt;
  std::string_view key(it->key().data(), it->key().size());
  if (!key.starts_with(prefix)) return std::nullopt;
  return std::string(key);
}

Expected<Ok> Journal::Impl::checkpoint(const std::filesystem::path& dir) const {
  std::shared_lock lock(db_mutex_);
  if (!db_) return unexpected(std::string("the journal is not open (a write error is being recovered)"));
  rocksdb::Checkpoint* raw = nullptr;
  auto status = rocksdb::Checkpoint::Create(db_.get(), &raw);
  if (!status.ok()) return unexpected(status.ToString());
  std::unique_ptr<rocksdb::Checkpoint> cp(raw);
  status = cp->CreateCheckpoint(dir.string());
  if (!status.ok()) return unexpected(status.ToString());
  return Ok{};
}

bool Journal::Impl::start_worker(std::function<Expected<Ok>()> work, CheckpointDone done) {
  if (checkpoint_running_) return false;
  checkpoint_running_ = true;
  // The previous worker has posted its completion (the flag was cleared there): this join is quick.
  if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
  checkpoint_thread_ = std::thread([this, work = std::move(work), done = std::move(done)] {
    auto result = work();
    post_([this, result = std::move(result), done] {
      checkpoint_running_ = false;
      done(result);
    });
  });
  return true;
}

bool Journal::Impl::start_checkpoint(std::filesystem::path dir, CheckpointDone done) {
  return start_worker([this, dir = std::move(dir)] { return checkpoint(dir); }, std::move(done));
}

Journal::Journal(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Journal::~Journal() = default;

void Journal::commit(WriteSet ops, Done done) { impl_->commit(std::move(ops), std::move(done)); }
Expected<Ok> Journal::write_now(const WriteSet& ops) { return impl_->write_now(ops); }
std::optional<std::string> Journal::get(Cf cf, std::string_view key) const { return impl_->get(cf, key); }
void Journal::scan_prefix(Cf cf, std::string_view prefix,
                          const std::function<bool(std::string_view, std::string_view)>& visit,
                          std::string_view from) const {
  impl_->scan_prefix(cf, prefix, visit, from);
}
std::optional<std::string> Journal::last_key_with_prefix(Cf cf, std::string_view prefix) const {
  return impl_->last_key_with_prefix(cf, prefix);
}
void Journal::scan_prefix_reverse(Cf cf, std::string_view prefix,
                                  const std::function<bool(std::string_view, std::string_view)>& visit,
                                  std::string_view before) const {
  impl_->scan_prefix_reverse(cf, prefix, visit, before);
}
void Journal::set_retention_cutoff(std::optional<Timestamp> cutoff) {
  impl_->cutoffs_->retention.store(cutoff ? cutoff->time_since_epoch().count() : Cutoffs::kKeepAll,
                                   std::memory_order_relaxed);
}
void Journal::set_answer_cutoff(Timestamp cutoff) {
  impl_->cutoffs_->answers.store(cutoff.time_since_epoch().count(), std::memory_order_relaxed);
}
bool Journal::start_compaction(CheckpointDone done) {
  return impl_->start_worker([impl = impl_.get()] { return impl->compact(); }, std::move(done));
}
Expected<Ok> Journal::checkpoint(const std::filesystem::path& dir) const { return impl_->checkpoint(dir); }
bool Journal::start_checkpoint(std::filesystem::path dir, CheckpointDone done) {
  return impl_->start_checkpoint(std::move(dir), std::move(done));
}
void Journal::close() { impl_->close(); }
std::size_t Journal::pending_batches() const { return impl_->pending_batches(); }
std::uint64_t Journal::commits() const { return impl_->commits_.load(std::memory_order_relaxed); }

}  // namespace callrouter::store
