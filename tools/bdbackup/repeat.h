// Repeated incremental backups: `backup --mode incremental --every SECONDS`.
// Incremental backups on a shorter interval (and recovery as you go, with
// --recover-as-you-go, for a hot failover kept current) without cron and
// without paying, for each backup, a process start, library loading and
// repository set-up: one incremental now, then one every SECONDS (start to
// start; at once if one took longer), until `count` are published or SIGINT
// or SIGTERM asks the loop to stop. A backup under way is always finished
// and published first; the signal only ends the waiting.
// A turn that finds the log where the latest backup left it publishes
// nothing (an idle environment does not fill the repository with copies of
// the same log). A repository locked by another bdbackup (Busy) skips that
// turn; any other error ends the loop with that error.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "base/status.h"
#include "engine/engine_context.h"
#include "tools/bdbackup/commands.h"

namespace bdb {

// One turn of the loop, as it ends.
struct RepeatTurn {
  uint64_t number = 0;  // 1-based
  Status status;
  bool skipped = false;    // Busy: the repository was locked, nothing was written
  bool unchanged = false;  // nothing new since the latest backup, nothing was written
  double duration_ms = 0;  // this backup, from its start to its publish (or failure)
  CommandResult result;    // as RunBackupCommand made it (when status is OK)
};

struct RepeatSummary {
  uint64_t published = 0;
  uint64_t unchanged = 0;
  uint64_t skipped = 0;
  std::string stopped_by;  // "count", "signal" or "error"
};

// InvalidArgument "bad usage: ..." for options that cannot repeat
// (o.every_seconds: > 0; o.count: none, or > 0 turns).
Status ValidateRepeat(const BackupOptions& o);

// Runs the loop; calls report after every turn (to print it at once).
// Returns the error that ended it, else OK. Installs SIGINT and SIGTERM
// handlers (SA_RESTART) for its duration and restores the previous ones.
// REQUIRES: o.every_seconds is set.
Status RunRepeatedBackups(const EngineContext& ctx, const BackupOptions& o,
                          const std::function<void(const RepeatTurn&)>& report, RepeatSummary* summary);

}  // namespace bdb
