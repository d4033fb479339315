// `bdbackup check`: the repository's health for monitoring (one line, exit 0
// or 1, --json), optionally written as a Prometheus textfile.
#include <fmt/format.h>

#include "engine/repository/backup_id.h"
#include "base/duration.h"
#include "engine/upkeep/repository_health.h"
#include "tools/bdbackup/commands.h"

namespace bdb {
namespace {

// The textfile collector reads every *.prom file of its directory: written
// under a temporary name and renamed, so it never reads a half-written one.
// REQUIRES: the directory of path exists (checked before the health check runs).
Status WritePrometheusFile(FileIO* io, const std::string& path, const std::string& text) {
  return WriteFileAtomically(io, path, text, 0644);
}

nlohmann::json HealthJson(const HealthReport& r) {
  nlohmann::json j = {{"repository", r.repository},
                      {"healthy", r.problems.empty()},
                      {"problems", r.problems},
                      {"line", r.line},
                      {"checked_at", FormatUtcTimestamp(r.now_unix_ms)},
                      {"backups", r.backups},
                      {"archived_logs", r.archived_logs},
                      {"chain_complete", r.chain_complete}};
  if (!r.newest_backup.empty()) {
    j["newest_backup"] = {{"id", r.newest_backup},
                          {"end_time", FormatUtcTimestamp(r.newest_backup_end_unix_ms)},
                          {"age_seconds", (r.now_unix_ms - r.newest_backup_end_unix_ms) / 1000.0}};
  }
  if (r.newest_archived_log != 0) {
    j["newest_archived_log"] = {{"number", r.newest_archived_log},
                                {"archived_at", FormatUtcTimestamp(r.newest_archived_unix_ms)},
                                {"age_seconds", (r.now_unix_ms - r.newest_archived_unix_ms) / 1000.0}};
  }
  if (!r.chain_complete) j["chain_problem"] = r.chain_problem;
  j["recovery_point"] = r.recovery_point_unix_s ? nlohmann::json(FormatUtcTimestamp(*r.recovery_point_unix_s * 1000))
                                                : nlohmann::json(nullptr);
  if (!r.recovery_point_problem.empty()) j["recovery_point_problem"] = r.recovery_point_problem;
  if (r.verified) {
    j["last_verify"] = {{"backup", r.last_verify_backup},
                        {"ok", r.last_verify_ok},
                        {"at", FormatUtcTimestamp(r.last_verify_unix_ms)},
                        {"problem", r.last_verify_problem}};
  } else {
    j["last_verify"] = nullptr;
  }
  return j;
}

}  // namespace

Status RunCheckCommand(const EngineContext& ctx, const CheckOptions& o, CommandResult* r) {
  HealthRequest request;
  request.repo = o.repo;
  int64_t ms = 0;
  if (!o.max_age.empty()) {
    BDB_RETURN_IF_ERROR(ParseDuration(o.max_age, "--max-age", &ms));
    request.max_age_ms = ms;
  }
  if (!o.max_archive_lag.empty()) {
    BDB_RETURN_IF_ERROR(ParseDuration(o.max_archive_lag, "--max-archive-lag", &ms));
    request.max_archive_lag_ms = ms;
  }
  if (!o.prometheus.empty()) {  // bad usage is refused before anything is read
    FileInfo dir;
    BDB_RETURN_IF_ERROR(ctx.io->Stat(DirName(o.prometheus), &dir));
    if (!dir.exists || !dir.is_dir)
      return Status::InvalidArgument("bad usage: --prometheus '" + o.prometheus + "': directory '" +
                                     DirName(o.prometheus) + "' does not exist");
  }
  HealthReport report;
  BDB_RETURN_IF_ERROR(CheckRepositoryHealth(ctx, request, &report));
  r->json = HealthJson(report);
  r->json["command"] = "check";
  if (!o.prometheus.empty()) {
    BDB_RETURN_IF_ERROR(WritePrometheusFile(ctx.io, o.prometheus, HealthAsPrometheus(report)));
    r->json["prometheus"] = o.prometheus;
  }
  r->text = report.line + "\n";
  if (!report.problems.empty()) return Status::CheckFailed("check of repository '" + report.repository + "': " + report.line);
  return Status::OK();
}

}  // namespace bdb
