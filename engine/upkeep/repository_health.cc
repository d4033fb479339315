#include "engine/upkeep/repository_health.h"

#include <fmt/format.h>

#include "engine/repository/backup_id.h"
#include "base/duration.h"
#include "engine/bdb/environment_password.h"
#include "engine/bdb/log_names.h"
#include "engine/restore/recovery_point.h"
#include "engine/repository/repository.h"
#include "engine/restore/restore_plan.h"
#include "base/safe_path.h"
#include "engine/repository/stored_file.h"
#include "engine/repository/verify_record.h"

namespace bdb {
namespace {

// Every backup of the chain present with every file at its recorded size,
// and the restore plan without a gap.
Status CheckChain(FileIO* io, Repository* repo, const std::string& latest, std::vector<Manifest>* chain,
                  RestorePlan* plan) {
  BDB_RETURN_IF_ERROR(repo->LoadChain(latest, chain));
  for (const Manifest& m : *chain) {
    for (const ManifestFile& f : m.files) {
      const std::string where = "file '" + f.path + "' of backup '" + m.id + "'";
      std::string path;
      Status inside = ResolveInside(io, repo->BackupDir(m.id), f.path, &path);
      if (!inside.ok()) return Status::Corruption(where + ": " + inside.message());
      FileInfo info;
      BDB_RETURN_IF_ERROR(io->Stat(path, &info));
      if (!info.exists) return Status::Corruption(where + " is missing");
      uint64_t original = 0;
      BDB_RETURN_IF_ERROR(OriginalSize(io, path, &original));
      if (original != f.size)
        return Status::Corruption(where + " is " + std::to_string(original) + " bytes, the manifest says " +
                                  std::to_string(f.size));
    }
  }
  return PlanRestore(io, repo, *chain, "", plan);
}

std::string AgeAgainst(int64_t age_ms, const std::optional<int64_t>& limit_ms) {
  return FormatAge(age_ms) + " old" + (limit_ms ? " (limit " + FormatDuration(*limit_ms) + ")" : "");
}

void Summarize(const HealthRequest& request, HealthReport* r) {
  std::vector<std::string> parts;
  if (r->newest_backup.empty()) {
    parts.push_back("no backups");
  } else {
    parts.push_back("newest backup " + r->newest_backup + " " +
                    AgeAgainst(r->now_unix_ms - r->newest_backup_end_unix_ms, request.max_age_ms));
  }
  if (r->newest_archived_log == 0) {
    parts.push_back("no archived logs");
  } else {
    parts.push_back("newest archived log " + LogFileName(r->newest_archived_log) + " " +
                    AgeAgainst(r->now_unix_ms - r->newest_archived_unix_ms, request.max_archive_lag_ms));
  }
  if (!r->newest_backup.empty()) {
    parts.push_back(r->chain_complete ? fmt::format("chain complete ({} backups, logs {}..{})", r->chain_length,
                                                    r->chain_first_log, r->chain_last_log)
                                      : "chain incomplete: " + r->chain_problem);
    parts.push_back(r->recovery_point_unix_s
                        ? "recovery point " + FormatUtcTimestamp(*r->recovery_point_unix_s * 1000).substr(0, 19) + "Z"
                        : "recovery point unknown" +
                              (r->recovery_point_problem.empty() ? "" : " (" + r->recovery_point_problem + ")"));
  }
  if (!r->verified) {
    parts.push_back("never verified");
  } else {
    parts.push_back("last verify " + std::string(r->last_verify_ok ? "passed" : "FAILED") + " " +
                    FormatUtcTimestamp(r->last_verify_unix_ms) + " (" + r->last_verify_backup + ")");
  }
  std::string joined;
  for (const auto& p : parts) joined += (joined.empty() ? "" : "; ") + p;
  if (r->problems.empty()) {
    r->line = "OK: " + joined;
  } else {
    std::string problems;
    for (const auto& p : r->problems) problems += (problems.empty() ? "" : "; ") + p;
    r->line = "CRITICAL: " + problems + " | " + joined;
  }
}

// Prometheus label values escape backslash, double quote and newline.
std::string LabelValue(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

}  // namespace

namespace {

// The newest backup and its age against --max-age; *newest keeps no id when
// there is none.
Status CheckNewestBackup(Repository* repo, const HealthRequest& request, Manifest* newest, HealthReport* r) {
  std::vector<std::string> ids;
  BDB_RETURN_IF_ERROR(repo->ListBackupIds(&ids));
  r->backups = ids.size();
  if (ids.empty()) {
    r->problems.push_back("the repository has no backups");
    return Status::OK();
  }
  Status s = repo->LoadManifest(ids.back(), newest);
  if (!s.ok()) {
    r->newest_backup = ids.back();
    r->problems.push_back("newest backup " + ids.back() + " cannot be read: " + s.message());
    return Status::OK();
  }
  r->newest_backup = newest->id;
  r->newest_backup_end_unix_ms = newest->end_unix_ms;
  const int64_t age = r->now_unix_ms - newest->end_unix_ms;
  if (request.max_age_ms && age > *request.max_age_ms)
    r->problems.push_back("newest backup " + newest->id + " is " + FormatAge(age) + " old, over --max-age " +
                          FormatDuration(*request.max_age_ms));
  return Status::OK();
}

// The newest archived log and its age against --max-archive-lag.
void CheckArchive(Repository* repo, const HealthRequest& request, HealthReport* r) {
  std::vector<ArchivedLog> archived;
  Status listed = repo->ListArchivedLogs(&archived);
  if (!listed.ok()) r->problems.push_back("the archive cannot be read: " + listed.message());
  r->archived_logs = archived.size();
  for (const ArchivedLog& log : archived) {
    if (log.archived_unix_ms >= r->newest_archived_unix_ms) {
      r->newest_archived_unix_ms = log.archived_unix_ms;
      r->newest_archived_log = log.number;
    }
  }
  if (!request.max_archive_lag_ms) return;
  const int64_t lag = r->now_unix_ms - r->newest_archived_unix_ms;
  if (archived.empty())
    r->problems.push_back("no log was ever archived (--max-archive-lag " +
                          FormatDuration(*request.max_archive_lag_ms) + ")");
  else if (lag > *request.max_archive_lag_ms)
    r->problems.push_back("newest archived log " + LogFileName(r->newest_archived_log) + " is " + FormatAge(lag) +
                          " old, over --max-archive-lag " + FormatDuration(*request.max_archive_lag_ms));
}

// The newest backup's chain is whole, and the newest commit a restore of it
// reaches. IOError only when the repository cannot be read.
Status CheckNewestChain(const EngineContext& ctx, Repository* repo, const HealthRequest& request,
                        const Manifest& newest, HealthReport* r) {
  std::vector<Manifest> chain;
  RestorePlan plan;
  Status chain_status = CheckChain(ctx.io, repo, newest.id, &chain, &plan);
  r->chain_complete = chain_status.ok();
  if (!chain_status.ok()) {
    if (chain_status.IsIOError()) return chain_status;
    r->chain_problem = chain_status.message();
    r->problems.push_back("the chain of the latest backup is incomplete: " + chain_status.message());
    return Status::OK();
  }
  r->chain_length = chain.size();
  r->chain_first_log = plan.first_log;
  r->chain_last_log = plan.last_log;
  Status password = CheckChainPassword(chain);
  Status found =
      password.ok() ? FindRecoveryPoint(ctx, plan, request.scratch_dir, &r->recovery_point_unix_s) : password;
  if (!found.ok()) r->recovery_point_problem = found.message();
  else if (!r->recovery_point_unix_s) r->recovery_point_problem = "no commit in the last logs";
  return Status::OK();
}

// What the last `bdbackup verify` of this repository recorded.
void CheckLastVerify(const EngineContext& ctx, Repository* repo, HealthReport* r) {
  std::optional<VerifyRecord> verified;
  Status read = ReadVerifyRecord(ctx.io, repo, &verified);
  if (!read.ok()) r->problems.push_back(read.message());
  if (!verified) return;
  r->verified = true;
  r->last_verify_ok = verified->ok;
  r->last_verify_backup = verified->backup_id;
  r->last_verify_problem = verified->problem;
  r->last_verify_unix_ms = verified->at_unix_ms;
  if (!verified->ok)
    r->problems.push_back("the last verify (backup " + verified->backup_id + ", " +
                          FormatUtcTimestamp(verified->at_unix_ms) + ") failed: " + verified->problem);
}

}  // namespace

Status CheckRepositoryHealth(const EngineContext& ctx, const HealthRequest& request, HealthReport* r) {
  *r = HealthReport();
  r->now_unix_ms = ctx.now_unix_ms();
  std::unique_ptr<Repository> repo;
  BDB_RETURN_IF_ERROR(Repository::Open(ctx.io, request.repo, /*create_if_missing=*/false, &repo));
  BDB_RETURN_IF_ERROR(repo->RequireKeyToRead());  // an encrypted repository: refused up front, not file by file
  std::unique_ptr<FileLock> reading;  // expire waits until this check is done
  BDB_RETURN_IF_ERROR(repo->LockForReading(ctx.lock_wait_seconds, &reading));
  r->repository = repo->root();
  Manifest newest;
  BDB_RETURN_IF_ERROR(CheckNewestBackup(repo.get(), request, &newest, r));
  CheckArchive(repo.get(), request, r);
  if (!newest.id.empty()) BDB_RETURN_IF_ERROR(CheckNewestChain(ctx, repo.get(), request, newest, r));
  CheckLastVerify(ctx, repo.get(), r);
  Summarize(request, r);
  return Status::OK();
}

std::string HealthAsPrometheus(const HealthReport& r) {
  const std::string labels = "{repository=\"" + LabelValue(r.repository) + "\"}";
  std::string out;
  auto gauge = [&](const std::string& name, const std::string& help, double value) {
    out += "# HELP " + name + " " + help + "\n# TYPE " + name + " gauge\n";
    out += name + labels + " " + fmt::format("{}", value) + "\n";
  };
  gauge("bdbackup_check_ok", "1 when every check passed, 0 otherwise.", r.problems.empty() ? 1 : 0);
  gauge("bdbackup_check_timestamp_seconds", "When the check ran (Unix time).", r.now_unix_ms / 1000.0);
  gauge("bdbackup_backups", "Published backups in the repository.", static_cast<double>(r.backups));
  if (!r.newest_backup.empty() && r.newest_backup_end_unix_ms > 0) {
    gauge("bdbackup_newest_backup_timestamp_seconds", "End time of the newest backup (Unix time).",
          r.newest_backup_end_unix_ms / 1000.0);
    gauge("bdbackup_newest_backup_age_seconds", "Age of the newest backup.",
          (r.now_unix_ms - r.newest_backup_end_unix_ms) / 1000.0);
  }
  gauge("bdbackup_archived_logs", "Archived log files in the repository.", static_cast<double>(r.archived_logs));
  if (r.newest_archived_log != 0) {
    gauge("bdbackup_newest_archived_log_timestamp_seconds", "When the newest archived log was archived (Unix time).",
          r.newest_archived_unix_ms / 1000.0);
    gauge("bdbackup_newest_archived_log_age_seconds", "Age of the newest archived log.",
          (r.now_unix_ms - r.newest_archived_unix_ms) / 1000.0);
  }
  gauge("bdbackup_latest_chain_complete", "1 when the latest backup's chain and logs are complete.",
        r.chain_complete ? 1 : 0);
  if (r.recovery_point_unix_s)
    gauge("bdbackup_recovery_point_timestamp_seconds",
          "Commit time of the newest transaction a restore of the latest backup reaches (Unix time).",
          static_cast<double>(*r.recovery_point_unix_s));
  if (r.verified) {
    gauge("bdbackup_last_verify_ok", "1 when the last recorded verify passed.", r.last_verify_ok ? 1 : 0);
    gauge("bdbackup_last_verify_timestamp_seconds", "When the last verify finished (Unix time).",
          r.last_verify_unix_ms / 1000.0);
  }
  return out;
}

}  // namespace bdb
