// EngineContext: what every engine procedure runs with: the file-I/O layer,
// where progress goes, the clock, the database-file copier, and the helper
// executable in which recovery and DB->verify run (recovery.h). Production
// uses DefaultEngineContext(); the simulator swaps the FileIO (torn reads,
// I/O errors) or the copier (unsafe negative controls) without touching the
// procedures. Thread-safety: a context is read-only while a procedure runs.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "base/file_io.h"
#include "base/progress.h"
#include "engine/copy/verified_copy.h"

namespace bdb {

using DatabaseCopyFunction =
    std::function<Status(FileIO*, const std::string& src, const std::string& dst, const CopyOptions&, CopyResult*)>;

struct EngineContext {
  FileIO* io = nullptr;
  Progress* progress = nullptr;
  // How database pages are verified as they are copied (kNone only for negative controls).
  PageVerification verification = PageVerification::kChecksum;
  DatabaseCopyFunction copy_database;   // CopyDatabaseFile unless replaced
  std::function<int64_t()> now_unix_ms;  // wall clock
  int lock_wait_seconds = 0;             // how long to wait for the repository lock
  std::string recovery_helper;           // bdbackup-recover; "" = DefaultRecoveryHelperPath()
  // Test-only negative control, set by the simulator's agent and never by the
  // command line: false copies a hot backup or incremental without announcing
  // it (no DB_HOTBACKUP_IN_PROGRESS, no bulk-transaction checks), as a tool
  // unaware of DB_TXN_BULK would.
  bool announce_hotbackup = true;
};

// POSIX I/O (through StoredFileIO: compressed repository files read as
// their original bytes), no progress, the verified copier, the real clock, the helper
// found by DefaultRecoveryHelperPath() ($BDBACKUP_RECOVER_HELPER or next to
// the running executable).
EngineContext DefaultEngineContext();

// Milliseconds since the epoch from the real clock.
int64_t WallClockUnixMs();

}  // namespace bdb
