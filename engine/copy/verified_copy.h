// Page-safe copying of live Berkeley DB files (hot backup, log archiving).
// Reads are ReadableFile::Pread in whole pages (never mmap); every page is
// verified as it is copied (BDB's checksum, or two consecutive identical
// reads), so a page torn by a concurrent writer is re-read, never stored.
// Size and XXH3-64 are computed during the copy; dst is fsynced on success and
// removed on failure. Memory: two read batches plus two pages, whatever the
// file size. Thread-safety: functions; one call per (src, dst) at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "engine/copy/copy_buffers.h"
#include "engine/copy/copy_pacer.h"
#include "engine/bdb/database_file.h"
#include "base/file_io.h"
#include "base/progress.h"
#include "base/status.h"

namespace bdb {

enum class PageVerification {
  kChecksum,      // BDB's page checksum where the database has them, else stable re-read
  kStableReread,  // a page is accepted when two consecutive reads are byte-identical
  kNone,          // no verification: unsafe, only for the simulator's negative control
};

struct CopyOptions {
  uint32_t unit_bytes = 4096;          // page size for databases; a chunk (e.g. 64 KiB) for log files
  PageVerification verification = PageVerification::kStableReread;
  int max_rereads = 64;                // then the copy fails with Corruption naming file and page
  size_t read_batch_bytes = 1 << 20;   // read several pages per pread, still page-aligned
  Progress* progress = nullptr;
  bool growing_file = false;           // the file may grow while copied; copy to the size seen at the end
  // Databases only: learn the page size and checksum flag from page 0. When
  // false, unit_bytes is the page size and kChecksum assumes DB_CHKSUM pages.
  bool read_meta_page = true;
  // Logs only: the file no longer changes (a log before the current one, or
  // an archived copy), so one read of each chunk is the truth.
  bool immutable = false;
  // Leave dst written and closed-for-copying but not yet fsynced: the caller
  // takes CopyResult::unsynced and fsyncs it later (a backup fsyncs its files
  // in a batch at the end, while the kernel has already begun writing them
  // back). Nothing may be published before that fsync.
  bool defer_sync = false;
  // Logs only: copy at most this many bytes from the start (0: the whole
  // file). BDB creates each log file at its full size; a backup needs the
  // last log only up to the end of the flushed records. REQUIRES: every byte
  // below limit_bytes was written (log_flush returned) before the copy began;
  // that part is then read once, like an immutable log.
  uint64_t limit_bytes = 0;
  // With defer_sync: hint the kernel to start writing dst back every this
  // many bytes (WritableFile::StartWriteback), so the disk works while the
  // copy goes on and the caller's fsync waits less; 0: never. Hints stop
  // once writeback_until_bytes of this file are copied.
  uint64_t writeback_every_bytes = 0;
  uint64_t writeback_until_bytes = UINT64_MAX;
  // Read buffers to reuse across copies (a backup passes one set for all its
  // files); null: the copy allocates its own.
  CopyBuffers* buffers = nullptr;
  // Holds the reads to a rate (backup --max-rate); null: as fast as the disk goes.
  CopyPacer* pacer = nullptr;
};

struct CopyResult {
  uint64_t bytes = 0;
  std::string xxh3_hex;
  uint64_t units = 0;    // pages (databases) or chunks (logs) copied, a short tail included
  uint64_t rereads = 0;  // extra reads of single units that failed verification first
  uint32_t page_size = 0;                                   // unit used (database page size)
  PageVerification verification = PageVerification::kNone;  // what actually verified the pages
  std::unique_ptr<WritableFile> unsynced;  // with defer_sync: dst, still open, to Sync() and Close()
};

// Copies a database file: page 0 first (page size, checksum flag), then every
// page, verified; writes dst (created 0600), fsyncs it.
// Errors (dst removed): IOError/NoSpace from I/O; InvalidArgument if src is not
// a BDB database; Corruption if a page never verifies:
// "page 17 of '<src>' failed its checksum after 64 re-reads".
Status CopyDatabaseFile(FileIO* io, const std::string& src, const std::string& dst, const CopyOptions& options,
                        CopyResult* result);

// The unit log files are copied and verified in (both a backup and archive use it).
inline constexpr uint32_t kLogCopyUnitBytes = 64 * 1024;

// Copies a log file (append-only; the tail may grow): unit_bytes chunks, each
// accepted after two identical reads (kNone: one read). With growing_file the
// copy extends to the size seen at the end; it is always a prefix of src.
// A log that is immutable, or whose wanted part ends at limit_bytes (the end
// of records the caller flushed before the copy), is read once: BDB only ever
// appends to a log file, so bytes it has already written never change.
Status CopyLogFile(FileIO* io, const std::string& src, const std::string& dst, const CopyOptions& options,
                   CopyResult* result);

}  // namespace bdb
