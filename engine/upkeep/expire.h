// RunExpire: applies a retention policy (retention_policy.h) to a repository.
// Under the repository lock: finishes what a killed expire left (<ID>.expired
// directories), reads every manifest (one it cannot read stops it: a backup
// it cannot judge may be another's parent), plans, then removes the expired
// backups newest first (each taken out of sight atomically before it is
// deleted, Repository::ExpireBackup) and only then the archived logs no kept
// backup or window needs (sidecar first, then the log). A kill at any
// instant leaves every visible backup with its parents and logs, so it
// verifies and restores; running expire again completes the job.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/engine_context.h"
#include "engine/repository/retention_policy.h"

namespace bdb {

struct ExpireRequest {
  std::string repo;
  RetentionPolicy policy;  // its pins (--pin) are also recorded in the repository
  bool dry_run = false;  // plan and report, remove nothing, record no pin
  std::vector<std::string> unpin;  // recorded pins to release (--unpin)
};

struct ExpireOutcome {
  bool planned = false;            // false: only pins were recorded or released (no rule given)
  std::vector<std::string> pins;   // the repository's pins after this run (sorted)
  RetentionPlan plan;
  uint64_t backup_bytes = 0;            // bytes of the expired backups' files
  uint64_t log_bytes = 0;               // bytes of the expired archived logs
  std::vector<uint32_t> unrecorded_logs_removed;  // archive files without a sidecar, not needed
  std::vector<std::string> leftovers_removed;     // <ID>.expired dirs of a killed run
};

// Pins: --pin IDs join the repository's recorded pins (REPO/pins.json) and
// --unpin IDs leave them, before anything is removed; with neither a rule nor
// pins it is bad usage, with pins alone only the pins change.
// CheckFailed "expire of repository '<dir>' refused: backup '<id>' cannot be
// read (<why>); ..." when a manifest (or pins.json) does not parse; NotFound
// for a missing repository, an unknown --pin or an --unpin of a backup that
// is not pinned; Busy when locked or while a reader holds the repository.
Status RunExpire(const EngineContext& ctx, const ExpireRequest& request, ExpireOutcome* outcome);

}  // namespace bdb
