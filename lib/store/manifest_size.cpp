#include "store/manifest_size.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace callrouter::store {
namespace {

// Inside the journal directory, so a journal restored as a whole directory carries no stale note.
// RocksDB ignores file names it does not know.
constexpr const char* kNoteName = "callrouter-manifest-size";

bool sync_path(const std::filesystem::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  return (::close(fd) == 0) && ok;
}

}  // namespace

Expected<Ok> check_manifest_size(const std::filesystem::path& journal_dir) {
  std::ifstream in(journal_dir / kNoteName);
  std::string manifest;
  std::uintmax_t noted = 0;
  if (!(in >> manifest >> noted)) return Ok{};
  std::ifstream current(journal_dir / "CURRENT");
  std::string named;
  if (!std::getline(current, named) || named != manifest) return Ok{};
  std::error_code ec;
  const auto size = std::filesystem::file_size(journal_dir / manifest, ec);
  if (ec || size >= noted) return Ok{};
  return unexpected(fmt::format(
      "the journal in '{}' is damaged: its {} is {} bytes, but {} bytes of it had been written and "
      "synced. Opening it would delete the table files the lost part names, so nothing was changed; "
      "restore the data dir from a backup (or run `ldb repair` on a copy of it)",
      journal_dir.string(), manifest, size, noted));
}

void note_manifest_size(rocksdb::DB& db, const std::filesystem::path& journal_dir) {
  std::vector<std::string> files;
  std::uint64_t size = 0;
  auto status = db.GetLiveFiles(files, &size, /*flush_memtable=*/false);
  std::string manifest;
  for (const auto& f : files) {
    const auto name = std::filesystem::path(f).filename().string();
    if (name.starts_with("MANIFEST-")) manifest = name;
  }
  if (!status.ok() || manifest.empty()) {
    spdlog::warn("journal: cannot note the MANIFEST's size: {}", status.ToString());
    return;
  }
  // Written aside and renamed, both synced: a crash leaves the old note or the new one.
  const auto note = journal_dir / kNoteName;
  auto next = note;
  next += ".next";
  {
    std::ofstream out(next, std::ios::trunc);
    out << manifest << ' ' << size << '\n';
    if (!out.flush()) {
      spdlog::warn("journal: cannot write '{}'", next.string());
      return;
    }
  }
  std::error_code ec;
  if (!sync_path(next, O_RDONLY) || (std::filesystem::rename(next, note, ec), ec) ||
      !sync_path(journal_dir, O_RDONLY | O_DIRECTORY)) {
    spdlog::warn("journal: cannot write '{}': {}", note.string(), ec ? ec.message() : "fsync failed");
  }
}

void ManifestSizeListener::note(rocksdb::DB* db) {
  std::lock_guard lock(mutex_);
  note_manifest_size(*db, dir_);
}

void ManifestSizeListener::OnFlushCompleted(rocksdb::DB* db, const rocksdb::FlushJobInfo&) { note(db); }

void ManifestSizeListener::OnCompactionCompleted(rocksdb::DB* db, const rocksdb::CompactionJobInfo&) { note(db); }

}  // namespace callrouter::store
