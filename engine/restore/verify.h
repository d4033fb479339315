// RunVerify: proves a published backup restores. Checks every file of the
// backup's chain against its manifest (present, not a symlink, size,
// checksum; for checksummed databases the failing page is named), that the
// log sequence has no gap, then restores into a temporary directory with
// catastrophic recovery and runs DB->verify on every database, both in the
// recovery helper process (recovery.h): a crash inside Berkeley DB is
// CheckFailed "recovery of backup '<ID>' crashed inside Berkeley DB: SIGSEGV"
// or "backup '<ID>': DB->verify of database 'a.db' crashed inside Berkeley DB:
// SIGSEGV". The temporary directory is removed whatever the outcome, unless
// the caller asks for the trial restore to stay (restore_target): then it is
// made there, with the checks `restore` makes before recovery too
// (CheckLaidOutFiles), and kept when verify passes: the environment `restore`
// would make of the backup (to the end of its logs, without live logs),
// without restore's fsyncs, verified. The simulator reads it with its oracle
// instead of restoring the backup a second time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/engine_context.h"

namespace bdb {

struct VerifyRequest {
  std::string repo;
  std::string backup = "latest";
  std::string scratch_dir;  // where the trial restore goes; "" = the system temp dir
  // "" = a scratch directory, removed afterwards. Else the trial restore is
  // made in this directory (absent or empty; InvalidArgument otherwise) and
  // kept when verify passes (removed when it fails).
  std::string restore_target = "";
};

struct VerifyOutcome {
  std::string backup_id;
  std::vector<std::string> chain;
  uint64_t files_checked = 0;
  uint64_t bytes_checked = 0;
  uint32_t first_log = 0, last_log = 0;
  std::vector<std::string> databases_verified;
  double recovery_ms = 0;  // the trial restore's catastrophic recovery
};

// CheckFailed/Corruption name the backup, the file and, where known, the page.
Status RunVerify(const EngineContext& ctx, const VerifyRequest& request, VerifyOutcome* outcome);

}  // namespace bdb
