#include "store/journal.hpp"

#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>

namespace callrouter::store {
namespace {

constexpr std::array<const char*, static_cast<std::size_t>(Cf::count_)> kCfNames{
    "config", "calls", "calls_by_time", "call_events", "ledger", "idempotency", "outbox", "live_calls"};

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
  std::string key;
  bool first = true;
  for (auto p : parts) {
    if (!first) key.push_back('\0');
    key.append(p);
    first = false;
  }
  return key;
}

Expected<std::unique_ptr<Journal>> Journal::open(const std::filesystem::path& dir,
                                                  Durability durability, Post post) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return unexpected(fmt::format("cannot create data dir '{}': {}", dir.string(), ec.message()));

  rocksdb::Options options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.IncreaseParallelism(2);
  options.max_background_jobs = 2;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions());
  for (const char* name : kCfNames) descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  auto status = rocksdb::DB::Open(options, (dir / "journal").string(), descriptors, &handles, &raw);
  if (!status.ok()) return unexpected(fmt::format("cannot open journal in '{}': {}", dir.string(), status.ToString()));
  std::unique_ptr<rocksdb::DB> db(raw);
  if (durability == Durability::none) {
    spdlog::warn("journal.durability is \"none\": acknowledged writes are NOT fsynced; use for benchmarks only");
  }
  return std::unique_ptr<Journal>(new Journal(std::move(db), std::move(handles), durability, std::move(post)));
}

Journal::Journal(std::unique_ptr<rocksdb::DB> db, std::vector<rocksdb::ColumnFamilyHandle*> handles,
                 Durability durability, Post post)
    : db_(std::move(db)), handles_(std::move(handles)), durability_(durability), post_(std::move(post)) {
  thread_ = std::thread([this] { run(); });
}

Journal::~Journal() {
  close();
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
}

void Journal::commit(WriteSet ops, Done done) {
  if (turn_.done.empty()) turn_.generation = generation_;
  for (auto& op : ops) turn_.ops.push_back(std::move(op));
  turn_.done.push_back(std::move(done));
  if (!flush_scheduled_) {
    flush_scheduled_ = true;
    // Runs after the handlers already queued in this loop turn: they all share the batch.
    post_([this] { flush_turn(); });
  }
}

void Journal::flush_turn() {
  flush_scheduled_ = false;
  if (turn_.done.empty()) return;
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(turn_));
  }
  turn_ = Group{};
  wake_.notify_one();
}

void Journal::run() {
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
    // Turns that queued up while the previous fsync ran share the next one.
    rocksdb::WriteBatch batch;
    std::uint64_t max_generation = 0;
    std::vector<Done> written, refused;
    for (auto& g : groups) {
      auto& target = g.generation < reject_below_ ? refused : written;
      if (g.generation >= reject_below_) {
        max_generation = std::max(max_generation, g.generation);
        for (auto& op : g.ops) {
          auto* cf = handles_[static_cast<std::size_t>(op.cf) + 1];
          if (op.erase) {
            batch.Delete(cf, op.key);
          } else {
            batch.Put(cf, op.key, op.value);
          }
        }
      }
      for (auto& d : g.done) target.push_back(std::move(d));
    }
    bool ok = true;
    if (!written.empty()) {
      if (needs_resume_) {
        // A failed write leaves RocksDB in a background-error state until resumed.
        auto resumed = db_->Resume();
        if (resumed.ok()) {
          needs_resume_ = false;
          spdlog::info("journal: resumed after a write error");
        }
      }
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

void Journal::close() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    if (!turn_.done.empty()) queue_.push_back(std::move(turn_));
    turn_ = Group{};
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  if (db_) db_->FlushWAL(true);
}

Expected<Ok> Journal::write_now(const WriteSet& ops) {
  rocksdb::WriteBatch batch;
  for (const auto& op : ops) {
    auto* cf = handles_[static_cast<std::size_t>(op.cf) + 1];
    if (op.erase) {
      batch.Delete(cf, op.key);
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

std::size_t Journal::pending_batches() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

std::optional<std::string> Journal::get(Cf cf, std::string_view key) const {
  std::string value;
  auto status = db_->Get(rocksdb::ReadOptions(), handles_[static_cast<std::size_t>(cf) + 1],
                         rocksdb::Slice(key.data(), key.size()), &value);
  if (!status.ok()) return std::nullopt;
  return value;
}

void Journal::scan_prefix(Cf cf, std::string_view prefix,
                          const std::function<bool(std::string_view, std::string_view)>& visit) const {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), handles_[static_cast<std::size_t>(cf) + 1]));
  for (it->Seek(rocksdb::Slice(prefix.data(), prefix.size())); it->Valid(); it->Next()) {
    auto k = it->key();
    std::string_view key(k.data(), k.size());
    if (!key.starts_with(prefix)) break;
    auto v = it->value();
    if (!visit(key, std::string_view(v.data(), v.size()))) break;
  }
}

Expected<Ok> Journal::checkpoint(const std::filesystem::path& dir) const {
  rocksdb::Checkpoint* raw = nullptr;
  auto status = rocksdb::Checkpoint::Create(db_.get(), &raw);
  if (!status.ok()) return unexpected(status.ToString());
  std::unique_ptr<rocksdb::Checkpoint> cp(raw);
  status = cp->CreateCheckpoint(dir.string());
  if (!status.ok()) return unexpected(status.ToString());
  return Ok{};
}

}  // namespace callrouter::store
