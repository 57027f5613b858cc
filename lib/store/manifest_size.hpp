// A guard against a journal whose MANIFEST was cut short. RocksDB reads a MANIFEST that ends early
// as if its last edits never happened (a torn tail is what it must tolerate after a crash), and
// its writable open then deletes every table file those edits had added: a cut MANIFEST silently
// loses the records in them, and the daemon would serve on what is left. So after every flush and
// compaction the MANIFEST's valid size is noted beside it, and an open refuses a MANIFEST shorter
// than the size noted for it, before RocksDB can delete anything.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/listener.h>

#include <filesystem>
#include <mutex>

#include "common/expected.hpp"

namespace callrouter::store {

// An error naming the journal and saying to restore, when the MANIFEST CURRENT names is shorter
// than the size last noted for it. No note, or a note about another MANIFEST (a journal restored
// from a checkpoint, or one from before the note existed): nothing to compare, so Ok.
Expected<Ok> check_manifest_size(const std::filesystem::path& journal_dir);

// Notes the MANIFEST's valid size now (after open, and from the listener). Errors are logged: a
// missing note only disables the check, it never stops the journal.
void note_manifest_size(rocksdb::DB& db, const std::filesystem::path& journal_dir);

class ManifestSizeListener final : public rocksdb::EventListener {
 public:
  explicit ManifestSizeListener(std::filesystem::path journal_dir) : dir_(std::move(journal_dir)) {}
  void OnFlushCompleted(rocksdb::DB* db, const rocksdb::FlushJobInfo&) override;
  void OnCompactionCompleted(rocksdb::DB* db, const rocksdb::CompactionJobInfo&) override;

 private:
  void note(rocksdb::DB* db);
  std::filesystem::path dir_;
  std::mutex mutex_;  // flush and compaction threads may finish at once
};

}  // namespace callrouter::store
