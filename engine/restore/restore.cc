#include "engine/restore/restore.h"

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "engine/repository/backup_id.h"
#include "engine/bdb/bdb_environment.h"
#include "engine/bdb/bulk_log_scan.h"
#include "base/crash_points.h"
#include "engine/bdb/environment_password.h"
#include "engine/recovery/recovery.h"
#include "engine/repository/repository.h"
#include "engine/restore/restore_plan.h"

namespace bdb {
namespace {

constexpr const char* kIncompleteMarker = ".bdbackup-restore-incomplete";

std::string Normalize(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

bool IsInside(const std::string& path, const std::string& dir) {
  const std::string p = Normalize(path), d = Normalize(dir);
  return p == d || p.compare(0, d.size() + 1, d + "/") == 0;
}

Status ClearDirectory(FileIO* io, const std::string& dir) {
  std::vector<std::string> names;
  BDB_RETURN_IF_ERROR(io->ListDir(dir, &names));
  for (const auto& name : names) BDB_RETURN_IF_ERROR(RemoveTree(io, JoinPath(dir, name)));
  return Status::OK();
}

Status ResolveUntil(const std::string& until, const Manifest& full, std::optional<int64_t>* until_ms) {
  if (until.empty()) return Status::OK();
  int64_t ms = 0;
  Status s = ParseUtcTimestamp(until, &ms);
  if (!s.ok())
    return Status::InvalidArgument("--until '" + until +
                                   "' is not a time: expected UTC like 2026-11-23T18:15:00Z");
  if (ms < full.start_unix_ms)
    return Status::InvalidArgument("--until " + FormatUtcTimestamp(ms) + " is before backup '" + full.id +
                                   "' started (" + FormatUtcTimestamp(full.start_unix_ms) + ")");
  // BDB keeps the recovery timestamp as a 32-bit time_t: later times wrap and recovery fails after the copy.
  constexpr int64_t kLastRecoverableMs = int64_t{INT32_MAX} * 1000 + 999;
  if (ms > kLastRecoverableMs)
    return Status::InvalidArgument("--until " + FormatUtcTimestamp(ms) + " is after " +
                                   FormatUtcTimestamp(kLastRecoverableMs) +
                                   ", the last time Berkeley DB 5.3 recovery accepts");
  *until_ms = ms;
  return Status::OK();
}

}  // namespace

Status CheckRestoreTarget(FileIO* io, const std::string& target, bool force) {
  if (target.empty()) return Status::InvalidArgument("--target is required");
  FileInfo info;
  BDB_RETURN_IF_ERROR(io->Stat(target, &info));
  if (!info.exists) return Status::OK();
  if (info.is_symlink) return Status::InvalidArgument("restore target '" + target + "' is a symbolic link");
  if (!info.is_dir) return Status::InvalidArgument("restore target '" + target + "' is not a directory");
  std::vector<std::string> names;
  BDB_RETURN_IF_ERROR(io->ListDir(target, &names));
  // A restore killed before it finished leaves its marker: the next run may redo it without --force.
  const bool interrupted = std::find(names.begin(), names.end(), kIncompleteMarker) != names.end();
  if (!names.empty() && !force && !interrupted)
    return Status::InvalidArgument("restore target '" + target + "' is not empty: use --force to overwrite it");
  return Status::OK();
}


Status CheckLaidOutFiles(FileIO* io, const RestorePlan& plan, const std::vector<Manifest>& chain,
                         const std::string& target, std::optional<int64_t> until_unix_ms) {
  // Logs past the chain (archived, or the live environment's) were never
  // checked by an incremental: refuse to replay a bulk transaction BDB did
  // not fully log (recovery would crash or lose its inserts).
  if (std::any_of(plan.files.begin(), plan.files.end(),
                  [](const PlannedFile& f) { return f.kind == "log" && f.origin.rfind("backup ", 0) != 0; })) {
    std::string found;
    BDB_RETURN_IF_ERROR(FindUnloggedBulkInserts(JoinPath(target, chain.back().log_dir_rel), chain.back().end_lsn,
                                                &found, until_unix_ms ? *until_unix_ms / 1000 : -1));
    if (!found.empty()) {
      return Status::CheckFailed(
          "restore refused: the logs after backup '" + chain.back().id +
          "' (from the archive or the live environment) show a DB_TXN_BULK transaction BDB did not fully log (" +
          found + "), so recovery could not rebuild it; restore with --until a time before that transaction, or "
          "without --live-logs, or take backups with --hold-hotbackup");
    }
  }
  return CheckPlannedLogsCoverPages(io, plan, target, chain.back().id);
}

namespace {

// The backup to restore and its chain (full backup first), and the point in
// time when one was asked for.
Status LoadTheChain(Repository* repo, const RestoreRequest& request, Manifest* chosen, std::vector<Manifest>* chain,
                    RestoreOutcome* outcome) {
  BDB_RETURN_IF_ERROR(repo->LoadManifest(request.backup, chosen));
  BDB_RETURN_IF_ERROR(repo->LoadChain(chosen->id, chain));
  for (const auto& m : *chain) outcome->chain.push_back(m.id);
  outcome->backup_id = chosen->id;
  return ResolveUntil(request.until, chain->front(), &outcome->until_unix_ms);
}

// The target overlaps neither the live environment whose logs are asked for
// (*live_log_dir: its log directory) nor any environment the chain was taken of.
Status CheckTargetApart(const EngineContext& ctx, const RestoreRequest& request, const std::vector<Manifest>& chain,
                        std::string* live_log_dir) {
  if (!request.live_logs_home.empty()) {
    EnvironmentLayout live;
    BDB_RETURN_IF_ERROR(InspectEnvironment(ctx.io, request.live_logs_home, &live));
    if (IsInside(request.target, live.home) || IsInside(live.home, request.target))
      return Status::InvalidArgument("restore target '" + request.target + "' overlaps the live environment '" +
                                     live.home + "'");
    *live_log_dir = live.log_dir;
  }
  for (const auto& m : chain) {
    if (!m.source_home.empty() && IsInside(request.target, m.source_home))
      return Status::InvalidArgument("restore target '" + request.target +
                                     "' is inside the backed-up environment '" + m.source_home + "'");
  }
  return Status::OK();
}

// Catastrophic recovery of the laid-out target, to the point in time if one
// was asked for.
Status RecoverTheTarget(const EngineContext& ctx, const RestoreRequest& request, const Manifest& chosen,
                        RestoreOutcome* outcome) {
  ctx.progress->Phase("catastrophic recovery", 0);
  const auto started = std::chrono::steady_clock::now();
  std::optional<int64_t> until_seconds;
  if (outcome->until_unix_ms) until_seconds = *outcome->until_unix_ms / 1000;
  const RecoveryRun run{ctx.recovery_helper, "backup '" + chosen.id + "'"};
  BDB_RETURN_IF_ERROR(RecoverCatastrophic(request.target, until_seconds, run));
  outcome->recovery_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return Status::OK();
}

// Recovery fsyncs the pages and the log it wrote (its closing checkpoint),
// but BDB never fsyncs a directory: a file it made in the target (a database
// created after the backup, replayed from the log) has a durable name only
// once its directory is fsynced. Then the marker goes; a target this restore
// created has a durable name only once its parent is fsynced.
Status MakeTheTargetDurable(const EngineContext& ctx, const std::string& target, const std::string& marker,
                            bool target_existed) {
  BDB_RETURN_IF_ERROR(SyncDirectoryTree(ctx.io, target));
  BDB_RETURN_IF_ERROR(ctx.io->RemoveFile(marker));
  BDB_RETURN_IF_ERROR(ctx.io->SyncDir(target));
  return target_existed ? Status::OK() : ctx.io->SyncDir(DirName(target));
}

}  // namespace

Status RunRestore(const EngineContext& ctx, const RestoreRequest& request, RestoreOutcome* outcome) {
  *outcome = RestoreOutcome();
  BDB_RETURN_IF_ERROR(CheckRestoreTarget(ctx.io, request.target, request.force));
  std::unique_ptr<Repository> repo;
  BDB_RETURN_IF_ERROR(Repository::Open(ctx.io, request.repo, /*create_if_missing=*/false, &repo));
  BDB_RETURN_IF_ERROR(repo->RequireKeyToRead());  // an encrypted repository: refused up front, not file by file
  if (IsInside(request.target, repo->root()))
    return Status::InvalidArgument("restore target '" + request.target + "' is inside the repository");
  std::unique_ptr<FileLock> reading;  // expire waits until this restore is done
  BDB_RETURN_IF_ERROR(repo->LockForReading(ctx.lock_wait_seconds, &reading));
  Manifest chosen;
  std::vector<Manifest> chain;
  BDB_RETURN_IF_ERROR(LoadTheChain(repo.get(), request, &chosen, &chain, outcome));
  std::string live_log_dir;
  BDB_RETURN_IF_ERROR(CheckTargetApart(ctx, request, chain, &live_log_dir));
  BDB_RETURN_IF_ERROR(CheckChainPassword(chain));
  BDB_RETURN_IF_ERROR(CheckChainForUnloggedBulkInserts(repo.get(), chain));
  RestorePlan plan;
  BDB_RETURN_IF_ERROR(PlanRestore(ctx.io, repo.get(), chain, live_log_dir, &plan));
  outcome->notes = plan.notes;
  outcome->first_log = plan.first_log;
  outcome->last_log = plan.last_log;
  for (const auto& f : plan.files) outcome->bytes += f.size;

  // Only now, with every input checked, is anything written.
  FileInfo target_before;
  BDB_RETURN_IF_ERROR(ctx.io->Stat(request.target, &target_before));
  BDB_RETURN_IF_ERROR(ctx.io->MakeDir(request.target, 0700));
  const std::string marker = JoinPath(request.target, kIncompleteMarker);
  FileInfo leftover;
  BDB_RETURN_IF_ERROR(ctx.io->Stat(marker, &leftover));
  if (request.force || leftover.exists) BDB_RETURN_IF_ERROR(ClearDirectory(ctx.io, request.target));
  BDB_RETURN_IF_ERROR(WriteFileAtomically(ctx.io, marker, "restore from " + chosen.id + " in progress\n", 0600));
  // A damaged, missing or linked backup file found while copying, or a
  // recovery that fails or crashes: take back what was written, so a failed
  // restore leaves the target as it was (or empty, when --force had cleared it).
  const auto take_back = [&](const Status& failed) {
    if (target_before.exists) {
      ClearDirectory(ctx.io, request.target);  // best effort
    } else {
      RemoveTree(ctx.io, request.target);  // best effort
    }
    return failed;
  };
  Status copied = ExecuteRestorePlan(ctx, plan, request.target);
  if (!copied.ok()) return take_back(copied);
  Status checked = CheckLaidOutFiles(ctx.io, plan, chain, request.target, outcome->until_unix_ms);
  if (!checked.ok()) return take_back(checked);
  CrashPoint("restore/after_copy_before_recovery");
  Status recovered = RecoverTheTarget(ctx, request, chosen, outcome);
  if (!recovered.ok()) return take_back(recovered);
  CrashPoint("restore/after_recovery");
  return MakeTheTargetDurable(ctx, request.target, marker, target_before.exists);
}

}  // namespace bdb
