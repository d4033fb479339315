// RunRestore: rebuilds a ready environment from a backup: the chosen backup,
// its chain of incrementals, archived logs and optionally the live
// environment's logs, then catastrophic recovery (DB_RECOVER_FATAL) to the end
// of the logs or to a point in time. Refuses a non-empty target unless forced
// and never touches the source environment. Recovery runs in the recovery
// helper process (recovery.h): a crash inside Berkeley DB is CheckFailed
// "recovery of backup '<ID>' crashed inside Berkeley DB: SIGSEGV". A restore
// that fails once it began writing (a damaged file, a recovery error or crash)
// removes what it wrote: a target it created is removed, an existing one is
// left empty (with --force its previous contents were already cleared).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine_context.h"
#include "engine/repository/manifest.h"
#include "engine/restore/restore_plan.h"

namespace bdb {

struct RestoreRequest {
  std::string repo;
  std::string target;
  std::string backup = "latest";
  std::string until;            // "" = to the end; else an ISO 8601 UTC time
  std::string live_logs_home;   // "" = none
  bool force = false;
};

struct RestoreOutcome {
  std::string backup_id;
  std::vector<std::string> chain;  // ids, full backup first
  uint32_t first_log = 0, last_log = 0;
  uint64_t bytes = 0;
  std::optional<int64_t> until_unix_ms;
  double recovery_ms = 0;
  std::vector<std::string> notes;
};

Status RunRestore(const EngineContext& ctx, const RestoreRequest& request, RestoreOutcome* outcome);

// What a restore checks once the plan's files are laid out in target, before
// recovery: no DB_TXN_BULK transaction BDB did not fully log in the logs past
// the chain (archived or live; CheckFailed "restore refused: ..."), and every
// copied database page covered by the copied logs (CheckFailed "backup '<ID>'
// cannot be recovered: database 'a.db' page 7 has LSN ..."). chain: the
// backup's chain, full backup first; until_unix_ms as RestoreOutcome's.
// Verify's trial restore makes the same checks.
Status CheckLaidOutFiles(FileIO* io, const RestorePlan& plan, const std::vector<Manifest>& chain,
                         const std::string& target, std::optional<int64_t> until_unix_ms);

// Checks a restore target: absent, or an empty directory (unless force).
// InvalidArgument "restore target '<dir>' is not empty: use --force to overwrite it".
Status CheckRestoreTarget(FileIO* io, const std::string& target, bool force);

}  // namespace bdb
