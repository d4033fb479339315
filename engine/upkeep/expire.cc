#include "engine/upkeep/expire.h"

#include <algorithm>
#include <memory>

#include "base/crash_points.h"
#include "engine/repository/repository.h"

namespace bdb {
namespace {

// *pins (sorted) plus each of `add` (a backup of the repository) minus each
// of `remove` (a recorded pin), sorted. NotFound names the first bad id.
Status UpdatePins(const std::vector<Manifest>& backups, const std::vector<std::string>& add,
                  const std::vector<std::string>& remove, std::vector<std::string>* pins) {
  for (const std::string& id : add) {
    auto same = [&](const Manifest& m) { return m.id == id; };
    if (std::find_if(backups.begin(), backups.end(), same) == backups.end())
      return Status::NotFound("backup '" + id + "' named by --pin is not in the repository");
    pins->push_back(id);
  }
  for (const std::string& id : remove) {
    auto it = std::find(pins->begin(), pins->end(), id);
    if (it == pins->end()) return Status::NotFound("backup '" + id + "' named by --unpin is not pinned");
    pins->erase(it);
  }
  std::sort(pins->begin(), pins->end());
  pins->erase(std::unique(pins->begin(), pins->end()), pins->end());
  return Status::OK();
}

}  // namespace

namespace {

// Every backup's manifest; an unreadable one refuses the whole run (expire
// cannot tell what it would need).
Status LoadEveryManifest(Repository* repo, std::vector<Manifest>* backups) {
  std::vector<std::string> ids;
  BDB_RETURN_IF_ERROR(repo->ListBackupIds(&ids));
  backups->assign(ids.size(), Manifest());
  for (size_t i = 0; i < ids.size(); ++i) {
    Status s = repo->LoadManifest(ids[i], &(*backups)[i]);
    if (s.IsIOError()) return s;
    if (!s.ok())
      return Status::CheckFailed("expire of repository '" + repo->root() + "' refused: backup '" + ids[i] +
                                 "' cannot be read (" + s.message() +
                                 "), so expire cannot tell what it needs; nothing was removed");
  }
  return Status::OK();
}

// The pins as they will be stored (*stored) after --pin and --unpin, and the
// stored ones the policy keeps besides this run's --pin. *changed: they differ
// from what the repository records.
Status ResolvePins(Repository* repo, const std::vector<Manifest>& backups, const ExpireRequest& request,
                   RetentionPolicy* policy, std::vector<std::string>* stored, bool* changed) {
  std::vector<std::string> recorded;
  Status pins_read = repo->LoadPins(&recorded);
  if (pins_read.IsIOError()) return pins_read;
  if (!pins_read.ok())
    return Status::CheckFailed("expire of repository '" + repo->root() + "' refused: " + pins_read.message() +
                               ", so expire cannot tell which backups are pinned; nothing was removed");
  *stored = recorded;
  BDB_RETURN_IF_ERROR(UpdatePins(backups, policy->pins, request.unpin, stored));
  *changed = *stored != recorded;
  for (const std::string& id : *stored) {
    if (std::find(policy->pins.begin(), policy->pins.end(), id) == policy->pins.end())
      policy->stored_pins.push_back(id);
  }
  return Status::OK();
}

// What the policy expires, and the bytes and archive files that go with it.
Status PlanExpiry(const EngineContext& ctx, Repository* repo, const std::vector<Manifest>& backups,
                  const RetentionPolicy& policy, ExpireOutcome* outcome) {
  std::vector<ArchivedLog> archived;
  BDB_RETURN_IF_ERROR(repo->ListArchivedLogs(&archived));
  std::vector<uint32_t> archived_numbers;
  for (const ArchivedLog& log : archived) archived_numbers.push_back(log.number);
  RetentionPlan& plan = outcome->plan;
  BDB_RETURN_IF_ERROR(PlanRetention(backups, archived_numbers, policy, ctx.now_unix_ms(), &plan));
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
  return Status::OK();
}

}  // namespace

Status RunExpire(const EngineContext& ctx, const ExpireRequest& request, ExpireOutcome* outcome) {
  *outcome = ExpireOutcome();
  RetentionPolicy policy = request.policy;
  const bool pins_only = !policy.HasRule();
  if (pins_only && policy.pins.empty() && request.unpin.empty())
    return Status::InvalidArgument("bad usage: expire needs --keep-full N, --keep-for DURATION or --keep-pitr DURATION");
  std::unique_ptr<Repository> repo;
  BDB_RETURN_IF_ERROR(Repository::Open(ctx.io, request.repo, /*create_if_missing=*/false, &repo));
  std::unique_ptr<FileLock> lock;
  BDB_RETURN_IF_ERROR(repo->Lock(ctx.lock_wait_seconds, &lock));
  CrashPoint("lock/after_acquire");
  // Only a run that removes backups or logs waits for readers (verify,
  // restore, check) to finish: a dry run or a change of pins lets them be.
  std::unique_ptr<FileLock> no_readers;
  if (!request.dry_run && !pins_only) BDB_RETURN_IF_ERROR(repo->LockOutReaders(ctx.lock_wait_seconds, &no_readers));
  if (!request.dry_run) BDB_RETURN_IF_ERROR(repo->RemoveExpiredLeftovers(&outcome->leftovers_removed));

  std::vector<Manifest> backups;
  BDB_RETURN_IF_ERROR(LoadEveryManifest(repo.get(), &backups));
  std::vector<std::string> stored;
  bool pins_changed = false;
  BDB_RETURN_IF_ERROR(ResolvePins(repo.get(), backups, request, &policy, &stored, &pins_changed));
  outcome->pins = stored;
  if (pins_only) {
    if (!request.dry_run && pins_changed) BDB_RETURN_IF_ERROR(repo->SavePins(stored));
    return Status::OK();
  }
  outcome->planned = true;
  BDB_RETURN_IF_ERROR(PlanExpiry(ctx, repo.get(), backups, policy, outcome));
  if (request.dry_run) return Status::OK();

  if (pins_changed) BDB_RETURN_IF_ERROR(repo->SavePins(stored));
  ctx.progress->Phase("expiring backups", 0);
  // Newest first: a visible backup never loses its parent, and every log
  // stays until no backup that could need it is visible.
  for (const std::string& id : outcome->plan.expired) BDB_RETURN_IF_ERROR(repo->ExpireBackup(id));
  for (uint32_t n : outcome->plan.expired_logs) BDB_RETURN_IF_ERROR(repo->RemoveArchivedLog(n));
  for (uint32_t n : outcome->unrecorded_logs_removed) BDB_RETURN_IF_ERROR(repo->RemoveArchivedLog(n));
  return Status::OK();
}

}  // namespace bdb
