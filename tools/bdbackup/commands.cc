#include "tools/bdbackup/commands.h"

#include <algorithm>
#include <fmt/format.h>

#include "engine/backup/archive.h"
#include "engine/backup/backup.h"
#include "engine/repository/backup_id.h"
#include "engine/bdb/log_names.h"
#include "engine/repository/repository.h"
#include "engine/restore/restore.h"
#include "engine/repository/stored_file.h"
#include "engine/restore/verify.h"
#include "tools/bdbackup/output_format.h"

namespace bdb {
namespace {

uint64_t ManifestBytes(const Manifest& m) {
  uint64_t total = 0;
  for (const auto& f : m.files) total += f.size;
  return total;
}

nlohmann::json ManifestSummary(const Manifest& m) {
  return {{"id", m.id},
          {"mode", BackupModeName(m.mode)},
          {"parent", m.parent},
          {"start_time", FormatUtcTimestamp(m.start_unix_ms)},
          {"end_time", FormatUtcTimestamp(m.end_unix_ms)},
          {"files", m.files.size()},
          {"bytes", ManifestBytes(m)},
          {"first_log", m.first_log},
          {"last_log", m.last_log},
          {"end_lsn", {{"file", m.end_lsn.file}, {"offset", m.end_lsn.offset}}},
          {"compression", m.compression.empty() ? "none" : m.compression}};
}

}  // namespace

std::string Size(uint64_t bytes) {
  if (bytes >= (1ull << 30)) return fmt::format("{:.1f} GiB", bytes / double(1ull << 30));
  if (bytes >= (1ull << 20)) return fmt::format("{:.1f} MiB", bytes / double(1ull << 20));
  if (bytes >= 1024) return fmt::format("{:.1f} KiB", bytes / 1024.0);
  return fmt::format("{} B", bytes);
}

std::string Counted(uint64_t n, const std::string& noun) {
  return fmt::format("{} {}{}", n, noun, n == 1 ? "" : "s");
}

std::string LogRange(uint32_t first, uint32_t last) {
  if (first == 0) return "-";
  return first == last ? LogFileName(first) : LogFileName(first) + ".." + LogFileName(last).substr(4);
}

Status RunArchiveCommand(const EngineContext& ctx, const ArchiveOptions& o, CommandResult* r) {
  ArchiveOutcome out;
  ArchiveRequest request{o.home, o.repo};
  BDB_RETURN_IF_ERROR(ParseCompression(o.compress, &request.compress_level));
  request.checkpoint = o.checkpoint;
  request.take_over_log_removal = o.take_over_log_removal;
  BDB_RETURN_IF_ERROR(ArchiveFinishedLogs(ctx, request, &out));
  r->json = {{"command", "archive"}, {"archived", out.archived}, {"already_archived", out.already_archived},
             {"bytes", out.bytes}, {"took_over_log_removal", out.took_over_log_removal}};
  if (out.took_over_log_removal)
    r->text = "log auto-removal turned off: bdbackup archive now removes log files once they are archived\n";
  if (out.archived.empty() && out.already_archived.empty()) {
    r->text += "no finished log files to archive\n";
  } else {
    r->text += fmt::format("archived {} log files ({}){}\n", out.archived.size(), Size(out.bytes),
                          out.already_archived.empty()
                              ? ""
                              : fmt::format("; removed {} already archived by an earlier run",
                                            out.already_archived.size()));
    for (uint32_t n : out.archived) r->text += "  " + LogFileName(n) + "\n";
  }
  return Status::OK();
}

Status RunBackupCommand(const EngineContext& ctx, const BackupOptions& o, CommandResult* r) {
  BackupRequest request{o.home,           o.repo,         BackupMode::kHot, o.checkpoint, o.recover_as_you_go,
                        o.skip_if_unchanged, o.hold_hotbackup, o.hot_if_refused};
  BDB_RETURN_IF_ERROR(ParseCompression(o.compress, &request.compress_level));
  request.max_rate_mib_s = o.max_rate_mib_s;
  ExpireRequest expire;
  if (o.expire_after) {  // a bad policy is refused before anything is copied
    expire.repo = o.repo;
    BDB_RETURN_IF_ERROR(RetentionPolicyFromOptions(o, "backup --expire", /*pins_only=*/false, &expire.policy));
  }
  BDB_RETURN_IF_ERROR(ParseBackupMode(o.mode, &request.mode));  // the one place the text becomes a mode
  BackupOutcome out;
  BDB_RETURN_IF_ERROR(RunBackup(ctx, request, &out));
  if (out.unchanged) {
    const ManifestLsn& end = out.manifest.end_lsn;
    r->json = {{"command", "backup"}, {"mode", o.mode}, {"unchanged", true}, {"parent", out.manifest.id},
               {"end_lsn", {{"file", end.file}, {"offset", end.offset}}}};
    r->text = fmt::format("nothing new since backup {} (the log still ends at {} offset {}): no backup taken\n",
                          out.manifest.id, LogFileName(end.file), end.offset);
    return Status::OK();
  }
  r->json = ManifestSummary(out.manifest);
  r->json["command"] = "backup";
  r->json["dir"] = out.dir;
  r->json["page_rereads"] = out.page_rereads;
  r->json["standby_updated"] = out.standby_updated;
  r->json["removed_partials"] = out.removed_partials;
  const Manifest& m = out.manifest;
  r->text = fmt::format("backup {} published: {} backup, {} files, {}, logs {}{}\n", m.id, BackupModeName(m.mode),
                        m.files.size(),
                        Size(out.bytes), LogRange(m.first_log, m.last_log),
                        m.parent.empty() ? "" : ", parent " + m.parent);
  if (!out.refused_incremental.empty()) {
    r->json["refused_incremental"] = out.refused_incremental;
    r->text = "incremental backup refused (" + out.refused_incremental + "): took a hot backup instead\n" + r->text;
  }
  if (out.page_rereads > 0) r->text += fmt::format("  {} pages changed while read and were read again\n", out.page_rereads);
  if (out.standby_updated) r->text += "  standby brought up to date by catastrophic recovery\n";
  if (!m.hotbackup_hold.empty()) {
    r->json["hotbackup_hold"] = m.hotbackup_hold;
    r->text += "  hot backup announcement kept (--hold-hotbackup): DB_TXN_BULK transactions stay logged until a "
               "backup without it\n";
  }
  for (const auto& p : out.removed_partials) r->text += "  removed unfinished backup " + p + " left by a killed run\n";
  if (o.expire_after) {
    ExpireOutcome expired;
    BDB_RETURN_IF_ERROR(RunExpire(ctx, expire, &expired)
                            .WithContext("backup '" + m.id + "' was published, but expire (--expire) failed"));
    std::string text;
    DescribeExpire(expired, /*dry_run=*/false, &r->json["expire"], &text);
    r->text += text;
  }
  return Status::OK();
}

Status RunListCommand(const EngineContext& ctx, const ListOptions& o, CommandResult* r) {
  std::unique_ptr<Repository> repo;
  BDB_RETURN_IF_ERROR(Repository::Open(ctx.io, o.repo, /*create_if_missing=*/false, &repo));
  std::vector<std::string> ids;
  BDB_RETURN_IF_ERROR(repo->ListBackupIds(&ids));
  std::vector<std::string> pins;  // sorted
  BDB_RETURN_IF_ERROR(repo->LoadPins(&pins));
  nlohmann::json backups = nlohmann::json::array();
  r->text = fmt::format("{:<34} {:<12} {:<34} {:>10}  {:<26} {}\n", "ID", "MODE", "PARENT", "SIZE", "LOGS", "STARTED");
  for (const auto& id : ids) {
    Manifest m;
    Status s = repo->LoadManifest(id, &m);
    if (!s.ok()) {
      backups.push_back({{"id", id}, {"error", s.message()}});
      r->text += fmt::format("{:<34} unreadable manifest: {}\n", id, s.message());
      continue;
    }
    const bool pinned = std::binary_search(pins.begin(), pins.end(), m.id);
    backups.push_back(ManifestSummary(m));
    backups.back()["pinned"] = pinned;
    r->text += fmt::format("{:<34} {:<12} {:<34} {:>10}  {:<26} {}{}\n", m.id, BackupModeName(m.mode),
                           m.parent.empty() ? "-" : m.parent,
                           Size(ManifestBytes(m)), LogRange(m.first_log, m.last_log),
                           FormatUtcTimestamp(m.start_unix_ms), pinned ? "  pinned" : "");
  }
  std::vector<ArchivedLog> archived;
  BDB_RETURN_IF_ERROR(repo->ListArchivedLogs(&archived));
  uint64_t archived_bytes = 0;
  for (const auto& a : archived) archived_bytes += a.size;
  r->json = {{"command", "list"}, {"repository", repo->root()}, {"backups", backups}};
  r->json["archive"] = {{"logs", archived.size()},
                        {"bytes", archived_bytes},
                        {"first_log", archived.empty() ? 0 : archived.front().number},
                        {"last_log", archived.empty() ? 0 : archived.back().number}};
  if (ids.empty()) r->text += "(no backups)\n";
  r->text += archived.empty() ? "archive: empty\n"
                              : fmt::format("archive: {} log files, {}, {}\n", archived.size(), Size(archived_bytes),
                                            LogRange(archived.front().number, archived.back().number));
  return Status::OK();
}

Status RunVerifyCommand(const EngineContext& ctx, const VerifyOptions& o, CommandResult* r) {
  VerifyOutcome out;
  Status s = RunVerify(ctx, VerifyRequest{o.repo, o.backup, ""}, &out);
  r->json = {{"command", "verify"}, {"backup", out.backup_id}, {"chain", out.chain}, {"ok", s.ok()},
             {"files_checked", out.files_checked}, {"bytes_checked", out.bytes_checked},
             {"first_log", out.first_log}, {"last_log", out.last_log},
             {"databases_verified", out.databases_verified}};
  if (!s.ok()) {
    r->json["problem"] = s.message();
    return s;
  }
  r->text = fmt::format(
      "backup {} verified: {} files ({}) match their manifests, logs {} have no gap, trial restore recovered and "
      "{} databases passed DB->verify\n",
      out.backup_id, out.files_checked, Size(out.bytes_checked), LogRange(out.first_log, out.last_log),
      out.databases_verified.size());
  return Status::OK();
}

Status RunRestoreCommand(const EngineContext& ctx, const RestoreOptions& o, CommandResult* r) {
  RestoreRequest request{o.repo, o.target, o.backup, o.until, o.live_logs, o.force};
  RestoreOutcome out;
  BDB_RETURN_IF_ERROR(RunRestore(ctx, request, &out));
  r->json = {{"command", "restore"}, {"backup", out.backup_id}, {"chain", out.chain}, {"target", o.target},
             {"first_log", out.first_log}, {"last_log", out.last_log}, {"bytes", out.bytes},
             {"recovery_ms", out.recovery_ms}, {"notes", out.notes}};
  if (out.until_unix_ms) r->json["until"] = FormatUtcTimestamp(*out.until_unix_ms);
  r->text = fmt::format("restored {} into {}: {} backups in the chain, logs {}, {}; catastrophic recovery {} took {:.0f} ms\n",
                        out.backup_id, o.target, out.chain.size(), LogRange(out.first_log, out.last_log),
                        Size(out.bytes),
                        out.until_unix_ms ? "to " + FormatUtcTimestamp(*out.until_unix_ms) : "to the end of the logs",
                        out.recovery_ms);
  for (const auto& n : out.notes) r->text += "  note: " + n + "\n";
  return Status::OK();
}

}  // namespace bdb
