// CopyWindowFileIO: a FileIOWrapper in the backup agent that notes when the
// engine read the live environment's files, by kind: database files (every
// file of the home that is not a log, a region file or DB_CONFIG) and log
// files. The harness counts the commits acknowledged inside those windows:
// a copy is "under load" only when commits landed while it read what it
// copies. Clock: CLOCK_REALTIME in ms, as the harness stamps acknowledgements.
// Thread-safe (the engine may read from several threads).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "base/file_io.h"

namespace bdb::sim {

// The first and last read of one kind of file; from_unix_ms = 0: none read.
struct CopyWindow {
  int64_t from_unix_ms = 0;
  int64_t to_unix_ms = 0;
  uint64_t reads = 0;
  bool operator==(const CopyWindow&) const = default;
};

class CopyWindowFileIO : public FileIOWrapper {
 public:
  // home: the live environment's directory; reads of files below it count.
  // hold_for_commit: at the first read of each kind, wait (bounded) until the
  // live log grows and a little longer, so a commit is acknowledged while the
  // copy is in its window however short the copy is (the plan makes the
  // copy_under_load fault fire instead of leaving it to chance).
  CopyWindowFileIO(FileIO* target, std::string home, bool hold_for_commit);
  Status OpenForRead(const std::string& path, std::unique_ptr<ReadableFile>* out) override;

  CopyWindow database_reads() const { return database_.Get(); }
  CopyWindow log_reads() const { return logs_.Get(); }

 private:
  class Window {
   public:
    // True for the first read of this window.
    bool First() { return !started_.exchange(true); }
    void Note(int64_t now_ms);
    CopyWindow Get() const;

   private:
    std::atomic<int64_t> from_{0}, to_{0};
    std::atomic<uint64_t> reads_{0};
    std::atomic<bool> started_{false};
  };
  class NotingFile;
  // The window reads of `path` count in, or nullptr (not a copied file).
  Window* WindowFor(const std::string& path);
  // Waits until the newest log file of the home grows (at most 2 s), then 20 ms.
  void HoldForACommit();
  uint64_t NewestLogSize();

  std::string home_;
  std::string log_dir_;  // DB_CONFIG's set_lg_dir, when the copy is held for a commit
  const bool hold_for_commit_;
  Window database_, logs_;
};

}  // namespace bdb::sim
