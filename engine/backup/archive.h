// ArchiveFinishedLogs: Berkeley DB's log archival procedure, made crash-safe.
// Moves every log file BDB lists as not needed any more (log_archive, as of
// the application's own latest checkpoint; a checkpoint first only when
// asked: a forced checkpoint is bdbackup's longest stay inside BDB, and a
// kill during it can leave a mutex held) into the repository's archive/:
// copy, fsync, record its checksum, re-read and verify the copy, and only
// then remove it from the environment. A crash at any instant loses no log;
// re-running is safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/engine_context.h"

namespace bdb {

struct ArchiveRequest {
  std::string home;
  std::string repo;
  bool checkpoint = false;  // txn_checkpoint(DB_FORCE) before listing (--checkpoint)
  // DB_LOG_AUTO_REMOVE on: turn it off for good and archive (else refuse).
  bool take_over_log_removal = false;
  // zstd level for the archived copies (stored_file.h); 0 = raw.
  int compress_level = 0;
};

struct ArchiveOutcome {
  std::vector<uint32_t> archived;          // copied and removed this run
  std::vector<uint32_t> already_archived;  // found in the archive (earlier crashed run); removed
  uint64_t bytes = 0;
  bool took_over_log_removal = false;  // auto-removal was on and this run turned it off
};

Status ArchiveFinishedLogs(const EngineContext& ctx, const ArchiveRequest& request, ArchiveOutcome* outcome);

}  // namespace bdb
