// Torn reads and mmap-style copy faults: a FileIO wrapper whose seeded n-th
// page reads return the head of one real version of a page and the tail of
// another, split at a seeded multiple of boundary_bytes strictly inside the
// page (512: a torn sector read; 4096: an mmap page fault mid-page). Only the
// first read of a page through one open file can be torn; a re-read returns
// the true current content, as after a real torn read. TornPageInjector holds
// the schedule and the splicing and is shared by the mmap copier's chunk hook.
// Thread-safety: TornPageInjector and TornReadFileIO may be used from several
// threads; each FileCursor / opened file by one thread at a time.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/enum_names.h"
#include "base/file_io.h"
#include "simulator/faults/fault_schedule.h"

namespace bdb::sim {

// Which version of the page the head comes from. A BDB page keeps its LSN (and
// its checksum, with DB_CHKSUM) in the header at the head of the page, while
// btree/hash items grow from the tail towards the header:
// - kOldHeadNewTail: the LSN is old, so catastrophic recovery redoes every
//   logged change since that LSN and rewrites the tail's items: usually
//   repaired (if the backup holds the logs from before that LSN).
// - kNewHeadOldTail: the LSN claims the page already holds every change up to
//   the new LSN, so recovery skips redo while the tail still lacks those
//   items: silent loss unless a checksum or DB->verify notices. This is the
//   order recovery cannot repair.
enum class TearOrder { kOldHeadNewTail, kNewHeadOldTail, kSeeded };
// Its one spelling (scenario files' torn_reads.order, the agent's JSON).
inline const EnumNames<TearOrder> kTearOrderNames = {{"old_new", TearOrder::kOldHeadNewTail},
                                                     {"new_old", TearOrder::kNewHeadOldTail},
                                                     {"both", TearOrder::kSeeded}};
// What a tear did, for narration: "old head + new tail", "new head + old tail", "seeded".
const char* TearOrderName(TearOrder order);

struct TearOptions {
  uint64_t seed = 0;
  std::string kind = "torn_read";  // FaultLog kind and FaultSchedule stream name
  uint32_t boundary_bytes = 512;   // the split is a multiple of this, strictly inside the page
  uint32_t page_bytes = 0;         // 0: each database's page size from its metadata page
  uint64_t tear_count = 1;         // how many page reads are torn
  uint64_t target_window = 256;    // targets are drawn among page reads [0, target_window)
  TearOrder order = TearOrder::kSeeded;
  bool include_logs = false;       // also tear reads of log files (at page_bytes granularity)
  int settle_ms_max = 200;         // how long to wait for a page that has not changed yet
  // Changed-pages targeting: the "old" version of every page is its content
  // when the copy opened the file; a target fires at the first page read at or
  // after its planned position whose content has changed since (a page the
  // workload rewrote while the copy ran), so tears land on pages that really
  // had two versions. pace_us slows each page read (a slow copier under load)
  // until the last planned tear has landed, widening the window in which the
  // workload rewrites pages.
  bool changed_pages_only = false;
  uint32_t pace_us = 0;
  uint64_t snapshot_bytes_max = 64ull << 20;
  int poll_interval_ms = 2;
};

// The mmap-style configuration: same injector, 4 KiB boundaries (pages of
// 4096 bytes have no interior 4 KiB boundary and are never torn).
TearOptions MmapStyleFaultOptions(uint64_t seed);

// One scheduled tear, drawn from the seed before any I/O.
struct TearTarget {
  uint64_t page_read = 0;      // 0-based index among counted page reads
  uint64_t boundary_draw = 0;  // picks one of the boundaries where the versions differ on both sides
  TearOrder order = TearOrder::kOldHeadNewTail;  // never kSeeded
};

enum class TearOutcome {
  kSpliced,    // the read returned a page that is neither version
  kUnchanged,  // the page did not change within settle_ms_max: harmless
  kInvisible,  // the versions differ only inside one boundary block: harmless
};

struct FiredTear {
  std::string path;
  uint64_t page = 0;
  uint64_t page_read = 0;
  uint32_t boundary = 0;  // byte offset of the split (0 unless kSpliced)
  TearOrder order = TearOrder::kOldHeadNewTail;
  TearOutcome outcome = TearOutcome::kSpliced;
};

class TornPageInjector {
 public:
  // Per-open-file state: which pages were read, old versions of predicted targets.
  struct FileCursor {
    std::string path;
    uint32_t page_bytes = 0;
    std::vector<bool> seen;
    std::map<uint64_t, std::string> old_versions;
  };

  // InvalidArgument "invalid tear options: <why>" for impossible settings.
  static Status Validate(const TearOptions& options);
  // REQUIRES: Validate(options).ok(). log may be null; it must outlive this.
  TornPageInjector(const TearOptions& options, FaultLog* log);

  const TearOptions& options() const { return options_; }
  const std::vector<TearTarget>& plan() const { return plan_; }
  std::vector<FiredTear> fired() const;
  // True for database files (and log files when include_logs).
  bool IsTargetFile(const std::string& path) const;

  // Starts tracking a file just opened: learns its page size, and remembers the
  // current content of the pages expected to be targets (the "old" versions).
  // *cursor is null if the file is never torn (not a database, page too small).
  Status Open(ReadableFile* file, std::unique_ptr<FileCursor>* cursor);
  // Called after `page` (page_bytes at buf) was read for the first time or again
  // through `file`. Counts a first read; if it is a target, tears buf in place.
  Status OnPageRead(FileCursor* cursor, uint64_t page, char* buf, ReadableFile* file);

 private:
  Status OnPageReadChanged(FileCursor* cursor, uint64_t page, uint64_t page_read, char* buf);
  // The split points at which a tear differs from both versions (none: the
  // versions differ within one block, or not at all).
  std::vector<uint32_t> VisibleBoundaries(const std::string& old_version, const std::string& new_version) const;
  void Splice(const TearTarget& target, FiredTear* tear, const std::string& old_version, std::string new_version,
              char* buf);
  const TearTarget* FindTarget(uint64_t page_read) const;
  void Record(const FiredTear& tear, const std::string& why);

  const TearOptions options_;
  FaultLog* const log_;
  std::vector<TearTarget> plan_;
  mutable std::mutex mu_;
  uint64_t page_reads_ = 0;  // guarded by mu_
  size_t next_changed_target_ = 0;  // guarded by mu_: changed-pages targeting consumes plan_ in order
  std::vector<FiredTear> fired_;  // guarded by mu_
};

// The FileIO wrapper the engine runs under. Owns its injector.
class TornReadFileIO : public FileIOWrapper {
 public:
  // InvalidArgument from TornPageInjector::Validate.
  static Status Create(FileIO* target, const TearOptions& options, FaultLog* log,
                       std::unique_ptr<TornReadFileIO>* out);
  Status OpenForRead(const std::string& path, std::unique_ptr<ReadableFile>* out) override;
  TornPageInjector* injector() { return &injector_; }

 private:
  TornReadFileIO(FileIO* target, const TearOptions& options, FaultLog* log)
      : FileIOWrapper(target), injector_(options, log) {}
  TornPageInjector injector_;
};

}  // namespace bdb::sim
