#include "engine/expire.h"

#include <algorithm>
#include <memory>

#include "engine/crash_points.h"
#include "engine/repository.h"

namespace bdb {

Status RunExpire(const EngineContext& ctx, const ExpireRequest& request, ExpireOutcome* outcome) {
  *outcome = ExpireOutcome();
  if (!request.policy.HasRule())
    return Status::InvalidArgument("bad usage: expire needs --keep-full N, --keep-for DURATION or --keep-pitr DURATION");
  std::unique_ptr<Repository> repo;
  BDB_RETURN_IF_ERROR(Repository::Open(ctx.io, request.repo, /*create_if_missing=*/false, &repo));
  std::unique_ptr<FileLock> lock;
  BDB_RETURN_IF_ERROR(repo->Lock(ctx.lock_wait_seconds, &lock));
  CrashPoint("lock/after_acquire");
  if (!request.dry_run) BDB_RETURN_IF_ERROR(repo->RemoveExpiredLeftovers(&outcome->leftovers_removed));

  std::vector<std::string> ids;
  BDB_RETURN_IF_ERROR(repo->ListBackupIds(&ids));
  std::vector<Manifest> backups(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    Status s = repo->LoadManifest(ids[i], &backups[i]);
    if (s.IsIOError()) return s;
    if (!s.ok())
      return Status::CheckFailed("expire of repository '" + repo->root() + "' refused: backup '" + ids[i] +
                                 "' cannot be read (" + s.message() +
                                 "), so expire cannot tell what it needs; nothing was removed");
  }
  std::vector<ArchivedLog> archived;
  BDB_RETURN_IF_ERROR(repo->ListArchivedLogs(&archived));
  std::vector<uint32_t> archived_numbers;
  for (const ArchivedLog& log : archived) archived_numbers.push_back(log.number);
  RetentionPlan& plan = outcome->plan;
  BDB_RETURN_IF_ERROR(PlanRetention(backups, archived_numbers, request.policy, ctx.now_unix_ms(), &plan));

  for (const Manifest& m : backups) {
    if (std::find(plan.expired.begin(), plan.expired.end(), m.id) == plan.expired.end()) continue;
    for (const ManifestFile& f : m.files) outcome->backup_bytes += f.size;
  }
  for (const ArchivedLog& log : archived) {
    if (std::binary_search(plan.expired_logs.begin(), plan.expired_logs.end(), log.number))
      outcome->log_bytes += log.size;
  }
  std::vector<uint32_t> unrecorded;
  BDB_RETURN_IF_ERROR(repo->ListUnrecordedArchiveLogs(&unrecorded));
  // An archive file without a sidecar is never the only copy of its log:
  // archive removes a log from the environment only after recording it.
  for (uint32_t n : unrecorded)
    if (!plan.LogNeeded(n)) outcome->unrecorded_logs_removed.push_back(n);
  if (request.dry_run) return Status::OK();

  ctx.progress->Phase("expiring backups", 0);
  // Newest first: a visible backup never loses its parent, and every log
  // stays until no backup that could need it is visible.
  for (const std::string& id : plan.expired) BDB_RETURN_IF_ERROR(repo->ExpireBackup(id));
  for (uint32_t n : plan.expired_logs) BDB_RETURN_IF_ERROR(repo->RemoveArchivedLog(n));
  for (uint32_t n : outcome->unrecorded_logs_removed) BDB_RETURN_IF_ERROR(repo->RemoveArchivedLog(n));
  return Status::OK();
}

}  // namespace bdb
