// The recovery point of a repository: the commit time of the newest
// transaction a restore of the latest backup reaches (its chain, then the
// archived logs that follow it without a gap). Found by reading the last log
// files of the restore plan backwards (copied, checksum-checked, into a
// scratch directory) for the newest commit record (__txn_regop, BDB's
// seconds-resolution commit timestamp).
// Thread-safety: free functions; each uses its own scratch directory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "engine/engine_context.h"
#include "engine/repository/repository.h"
#include "engine/restore/restore_plan.h"

namespace bdb {

// Reads the log files in log_dir backwards from the end; *unix_seconds is the
// newest commit's timestamp, or nullopt when no commit record is there.
// IOError naming log_dir when the log cannot be read.
Status NewestCommitInLogs(const std::string& log_dir, std::optional<int64_t>* unix_seconds);

// REQUIRES: plan from PlanRestore. Copies the plan's last log files (the
// last one, then up to kMaxLogsSearched if no commit is found) into a scratch
// directory under scratch_parent ("" = $TMPDIR or /tmp), checking each against
// its recorded checksum, and reads them with NewestCommitInLogs. The scratch
// directory is removed whatever the outcome.
inline constexpr int kMaxLogsSearched = 4;
Status FindRecoveryPoint(const EngineContext& ctx, const RestorePlan& plan, const std::string& scratch_parent,
                         std::optional<int64_t>* unix_seconds);

}  // namespace bdb
