#include "engine/backup/backup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "engine/backup/backup_guards.h"
#include "engine/backup/backup_layout.h"
#include "engine/bdb/bdb_environment.h"
#include "engine/bdb/bulk_log_scan.h"
#include "engine/copy/content_hash.h"
#include "base/crash_points.h"
#include "engine/bdb/environment_password.h"
#include "engine/bdb/environment_support.h"
#include "engine/backup/log_locator.h"
#include "engine/bdb/log_names.h"
#include "engine/bdb/queue_extents.h"
#include "engine/bdb/region_users.h"
#include "engine/repository/repository.h"
#include "engine/restore/restore_plan.h"
#include "engine/backup/standby.h"
#include "engine/repository/stored_file.h"
#include "engine/copy/verified_copy.h"
#include "version.h"

namespace bdb {
namespace {

// Copies are fsynced in a batch before the publish, and the kernel is asked
// to start writing each one back as soon as it is copied. In the first
// kEarlyWritebackBytes of a backup it is asked every kWritebackEveryBytes as
// well: a small backup (an incremental) otherwise spends a third of its time
// in that final fsync. A large one keeps the disk busy anyway, and frequent
// hints there only make the copier wait on a full device queue (measured on
// the 400 MiB benchmark: 0.43 s without, 0.48-0.56 s with a hint every MiB).
constexpr uint64_t kWritebackEveryBytes = 1 << 20;
constexpr uint64_t kEarlyWritebackBytes = 32 << 20;

// Copies files into a partial backup directory and records each in the manifest.
class BackupWriter {
 public:
  BackupWriter(const EngineContext& ctx, std::string partial_dir, const BackupRequest& request,
               const RepositoryKey* key, Manifest* manifest, BackupOutcome* outcome)
      : ctx_(ctx), partial_dir_(std::move(partial_dir)), manifest_(manifest), outcome_(outcome),
        stored_(ctx.io, request.compress_level, key), config_stored_(ctx.io, 0, key), copy_io_(stored_.io()),
        config_io_(config_stored_.io()) {
    if (request.max_rate_mib_s > 0) pacer_.emplace(request.max_rate_mib_s * (1 << 20));
  }

  Status CopyDatabase(const std::string& src, const std::string& rel) {
    std::string dst;
    BDB_RETURN_IF_ERROR(Destination(rel, &dst));
    DatabaseFileInfo info;
    BDB_RETURN_IF_ERROR(ReadDatabaseFileInfo(ctx_.io, src, &info));
    CopyOptions options;
    options.unit_bytes = info.page_size;
    options.verification = ctx_.verification;
    if (options.verification == PageVerification::kChecksum && !info.checksummed)
      options.verification = PageVerification::kStableReread;
    options.progress = ctx_.progress;
    options.defer_sync = true;
    options.buffers = &buffers_;
    options.pacer = pacer_ ? &*pacer_ : nullptr;
    SetEarlyWriteback(&options);
    CopyResult copied;
    ctx_.progress->StartFile(rel, 0);
    BDB_RETURN_IF_ERROR(ctx_.copy_database(copy_io_, src, dst, options, &copied));
    BDB_RETURN_IF_ERROR(KeepUnsynced(&copied));
    outcome_->page_rereads += copied.rereads;
    Record(rel, "database", copied, info.page_size, info.checksummed);
    return Status::OK();
  }

  // A queue extent file: pages of the queue's size, no meta page; one
  // removed since the listing (its records all consumed) is skipped.
  Status CopyExtent(const std::string& src, const QueueExtent& extent) {
    std::string dst;
    BDB_RETURN_IF_ERROR(Destination(extent.rel, &dst));
    CopyOptions options;
    options.unit_bytes = extent.page_size;
    options.verification = PageVerification::kStableReread;  // no meta page: the database copier's checks do not apply
    options.progress = ctx_.progress;
    options.defer_sync = true;
    options.buffers = &buffers_;
    options.pacer = pacer_ ? &*pacer_ : nullptr;
    SetEarlyWriteback(&options);
    CopyResult copied;
    ctx_.progress->StartFile(extent.rel, 0);
    Status s = CopyLogFile(copy_io_, src, dst, options, &copied);
    if (s.IsNotFound()) return Status::OK();
    BDB_RETURN_IF_ERROR(s);
    BDB_RETURN_IF_ERROR(KeepUnsynced(&copied));
    outcome_->page_rereads += copied.rereads;
    Record(extent.rel, "extent", copied, extent.page_size, false);
    return Status::OK();
  }

  // finished: BDB has moved on to a later log file, so this one no longer changes.
  // end_offset: for the last log, the end of its flushed records (0: copy it all).
  Status CopyLog(const LocatedLog& log, const std::string& rel, bool finished, uint64_t end_offset) {
    std::string dst;
    BDB_RETURN_IF_ERROR(Destination(rel, &dst));
    CopyOptions options;
    options.unit_bytes = kLogCopyUnitBytes;
    options.verification = PageVerification::kStableReread;
    options.immutable = finished || log.from_archive;  // archived copies are checked against their checksum below
    options.growing_file = !options.immutable;
    options.progress = ctx_.progress;
    options.defer_sync = true;
    options.limit_bytes = log.from_archive ? 0 : end_offset;  // flushed before the copy (CopyIntoPartial)
    options.buffers = &buffers_;
    options.pacer = pacer_ ? &*pacer_ : nullptr;
    SetEarlyWriteback(&options);
    CopyResult copied;
    ctx_.progress->StartFile(rel, 0);
    BDB_RETURN_IF_ERROR(CopyLogFile(copy_io_, log.path, dst, options, &copied));
    BDB_RETURN_IF_ERROR(KeepUnsynced(&copied));
    if (log.from_archive && (copied.xxh3_hex != log.archived_xxh3 || copied.bytes != log.archived_size)) {
      return Status::Corruption("archived log '" + log.path + "' has checksum " + copied.xxh3_hex +
                                ", the archive recorded " + log.archived_xxh3);
    }
    Record(rel, "log", copied, 0, false);
    return Status::OK();
  }

  // DB_CONFIG rewritten for the restored copy (BackupLayout).
  Status WriteConfig(const std::string& contents, const std::string& rel) {
    std::string dst;
    BDB_RETURN_IF_ERROR(Destination(rel, &dst));
    BDB_RETURN_IF_ERROR(WriteFileAtomically(config_io_, dst, contents, 0600));
    CopyResult written;
    BDB_RETURN_IF_ERROR(HashFile(ctx_.io, dst, &written.xxh3_hex, &written.bytes));
    Record(rel, "config", written, 0, false);
    return Status::OK();
  }

  Status CopyConfig(const std::string& src, const std::string& rel) {
    std::string dst;
    BDB_RETURN_IF_ERROR(Destination(rel, &dst));
    CopyOptions options;
    options.unit_bytes = 4096;
    options.verification = PageVerification::kStableReread;
    CopyResult copied;
    BDB_RETURN_IF_ERROR(CopyLogFile(config_io_, src, dst, options, &copied));
    Record(rel, "config", copied, 0, false);
    return Status::OK();
  }

  // fsyncs and closes every copied file not yet synced. REQUIRES: called
  // before the backup is published.
  Status SyncCopies() {
    while (!unsynced_.empty()) BDB_RETURN_IF_ERROR(SyncOldest());
    return Status::OK();
  }

 private:
  // Files are fsynced in a batch rather than each right after its copy: by
  // the time the batch runs the kernel has written most of them back, as for
  // `cp` followed by `sync`. At most kMaxUnsynced stay open.
  static constexpr size_t kMaxUnsynced = 64;

  void SetEarlyWriteback(CopyOptions* options) const {
    if (outcome_->bytes >= kEarlyWritebackBytes) return;
    options->writeback_every_bytes = kWritebackEveryBytes;
    options->writeback_until_bytes = kEarlyWritebackBytes - outcome_->bytes;
  }

  Status KeepUnsynced(CopyResult* copied) {
    if (copied->unsynced) {
      copied->unsynced->StartWriteback();  // the disk works while the next file is copied
      unsynced_.push_back(std::move(copied->unsynced));
    }
    return unsynced_.size() > kMaxUnsynced ? SyncOldest() : Status::OK();
  }

  Status SyncOldest() {
    std::unique_ptr<WritableFile> file = std::move(unsynced_.front());
    unsynced_.pop_front();
    BDB_RETURN_IF_ERROR(file->Sync());
    return file->Close();
  }

  // Creates the parent directories of rel inside the partial directory.
  Status Destination(const std::string& rel, std::string* dst) {
    BDB_RETURN_IF_ERROR(MakeParentDirs(ctx_.io, partial_dir_, rel));
    *dst = JoinPath(partial_dir_, rel);
    return Status::OK();
  }

  void Record(const std::string& rel, const std::string& kind, const CopyResult& copied, uint32_t page_size,
              bool checksummed) {
    ManifestFile file;
    file.path = rel;
    file.kind = kind;
    file.size = copied.bytes;
    file.xxh3 = copied.xxh3_hex;
    file.page_size = page_size;
    file.checksummed = checksummed;
    manifest_->files.push_back(file);
    outcome_->bytes += copied.bytes;
  }

  const EngineContext& ctx_;
  std::string partial_dir_;
  Manifest* manifest_;
  BackupOutcome* outcome_;
  std::deque<std::unique_ptr<WritableFile>> unsynced_;  // copied, oldest first, not yet fsynced
  CopyBuffers buffers_;  // one set of read buffers for every file of the backup
  std::optional<CopyPacer> pacer_;  // --max-rate: one pace for every file of the backup
  StoredWriteIO stored_;         // compresses and encrypts as the request and the repository say
  StoredWriteIO config_stored_;  // DB_CONFIG: encrypted as the repository says, never compressed
  FileIO* copy_io_;              // where database and log copies are written: stored_.io()
  FileIO* config_io_;            // where DB_CONFIG is written: config_stored_.io()
};


// Copies the logs [first, last] into the backup, each from the environment or
// the archive; the last one up to last_end, the end of its flushed records:
// BDB creates a log file at its full size (set_lg_max), and what lies past
// the end LSN is either empty or was written after the backup's end.
Status CopyLogRange(BackupWriter* writer, LogLocator* locator, const std::string& log_dir_rel, uint32_t first,
                    uint32_t last, uint64_t last_end, bool auto_removal_on) {
  for (uint32_t n = first; n <= last && n != 0; ++n) {
    LocatedLog log;
    Status s = locator->Locate(n, &log);
    if (s.IsNotFound())
      return Status::CheckFailed("log chain has a gap: " + s.message() +
                                 (auto_removal_on ? AutoRemovalGapExplanation() : ""));
    BDB_RETURN_IF_ERROR(s);
    BDB_RETURN_IF_ERROR(
        writer->CopyLog(log, JoinPath(log_dir_rel, LogFileName(n)), /*finished=*/n < last, n == last ? last_end : 0));
  }
  return Status::OK();
}

// The body of a backup once the repository is locked and the partial directory exists.
// Everything before `end` must be on disk before the logs are copied. Under a
// committing application the next synchronous commit, log switch or
// checkpoint syncs past it within milliseconds: waiting for that (one short
// log_stat at a time) instead of flushing keeps bdbackup out of log_flush's
// mutex and fsync, where a SIGKILL leaves every writer of the application
// waiting for good (reports/reference/robustness.md). bdbackup flushes the
// log itself only when no other process maps the environment's regions (no
// one is left to sync it, and no running writer can be left waiting), or
// when the log is not synced past `end` within kLogSyncWait (an idle
// application with DB_TXN_NOSYNC commits or a closed handle's records in its
// buffer).
constexpr auto kLogSyncWait = std::chrono::milliseconds(300);

bool LsnAtOrPast(const Lsn& a, const Lsn& b) {
  return a.file > b.file || (a.file == b.file && a.offset >= b.offset);
}

// The region's reference count first (one stat_print); only when it counts
// other handles, which may be stale ones of killed processes, the processes
// mapping the regions (a scan of /proc/*/maps, tens of ms on a busy machine).
bool NoOtherProcessMapsRegions(LiveEnvironment* env) {
  int others = 0;
  if (env->CountOtherHandles(&others).ok() && others == 0) return true;
  const pid_t self = ::getpid();
  for (pid_t pid : ProcessesMappingRegions(env->layout().home)) {
    if (pid != self) return false;
  }
  return true;
}

Status WaitUntilLogSyncedTo(LiveEnvironment* env, const Lsn& end) {
  const auto deadline = std::chrono::steady_clock::now() + kLogSyncWait;
  for (bool first = true;; first = false) {
    Lsn current, synced;
    BDB_RETURN_IF_ERROR(env->LogPositions(&current, &synced));
    if (LsnAtOrPast(synced, end)) return Status::OK();
    if (first && NoOtherProcessMapsRegions(env)) return env->FlushLog();
    if (std::chrono::steady_clock::now() >= deadline) return env->FlushLog();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

Status CopyIntoPartial(const EngineContext& ctx, const BackupRequest& request, const BackupModeTraits& mode,
                       LiveEnvironment* env, Repository* repo, const Manifest* parent, const std::string& partial_dir,
                       bool auto_removal_on, Manifest* manifest, BackupOutcome* outcome) {
  const EnvironmentLayout& layout = env->layout();
  std::string db_config;
  if (layout.has_db_config) BDB_RETURN_IF_ERROR(ReadWholeFile(ctx.io, JoinPath(layout.home, "DB_CONFIG"), &db_config));
  const BackupLayout map = MapBackupLayout(layout, db_config);
  std::string log_dir_rel = map.log_dir_rel;
  if (parent != nullptr && parent->log_dir_rel != log_dir_rel) {
    return Status::CheckFailed("incremental backup of '" + layout.home + "' refused: its parent '" + parent->id +
                                   "' holds the logs in '" + parent->log_dir_rel + "', this backup would put them in '" +
                                   log_dir_rel + "' (DB_CONFIG changed, or an earlier bdbackup took the parent); "
                                   "take a hot backup");
  }
  manifest->log_dir_rel = log_dir_rel;
  BackupWriter writer(ctx, partial_dir, request, repo->WriteKey(), manifest, outcome);
  LogLocator locator(ctx.io, layout.log_dir, repo);

  std::vector<uint32_t> logs_at_start;  // hot: where its log range begins
  if (mode.mode == BackupMode::kHot) BDB_RETURN_IF_ERROR(env->ListAllLogs(&logs_at_start));

  if (mode.copies_databases) {
    if (map.config_rewritten) {
      BDB_RETURN_IF_ERROR(writer.WriteConfig(map.db_config, "DB_CONFIG"));
    } else if (layout.has_db_config) {
      BDB_RETURN_IF_ERROR(writer.CopyConfig(JoinPath(layout.home, "DB_CONFIG"), "DB_CONFIG"));
    }
    std::vector<std::string> databases;
    BDB_RETURN_IF_ERROR(env->ListDatabaseFiles(&databases));
    ctx.progress->Phase("copying database files", 0);
    for (const auto& listed : databases) {
      BDB_RETURN_IF_ERROR(
          writer.CopyDatabase(SourcePathOf(layout.home, listed), BackupPathOf(map, layout.home, listed)));
    }
    std::vector<QueueExtent> extents;
    BDB_RETURN_IF_ERROR(ListQueueExtents(ctx.io, layout.home, databases, &extents));
    for (const auto& e : extents) {
      BDB_RETURN_IF_ERROR(writer.CopyExtent(SourcePathOf(layout.home, e.rel),
                                            QueueExtent{BackupPathOf(map, layout.home, e.rel), e.page_size}));
    }
    CrashPoint("backup/after_database_files");
  }

  // Logs last, so recovery can redo or undo whatever the database copies caught half done.
  // The end is read first: right after a log switch BDB names the new file in
  // its log position before the first flush creates it, so waiting until the
  // log is synced past the end guarantees every file up to it is on disk.
  Lsn end;
  BDB_RETURN_IF_ERROR(env->CurrentLsn(&end));
  BDB_RETURN_IF_ERROR(WaitUntilLogSyncedTo(env, end));
  manifest->end_lsn = ManifestLsn{end.file, end.offset};
  uint32_t first = 0;
  switch (mode.mode) {
    case BackupMode::kCold:
      first = end.file;  // after a checkpoint of a quiet environment, the last log suffices
      break;
    case BackupMode::kHot:
      first = logs_at_start.empty() ? end.file : logs_at_start.front();
      break;
    case BackupMode::kIncremental:
      first = parent->last_log;  // again: it has grown since the parent copied it
      break;
  }
  ctx.progress->Phase("copying log files", 0);
  BDB_RETURN_IF_ERROR(CopyLogRange(&writer, &locator, log_dir_rel, first, end.file, end.offset, auto_removal_on));
  manifest->first_log = first;
  manifest->last_log = end.file;
  BDB_RETURN_IF_ERROR(writer.SyncCopies());
  CrashPoint("backup/after_log_files");
  return Status::OK();
}

// An incremental's logs must not show a bulk transaction that BDB left out of
// them, nor may a page one of its transactions created by a split hold more
// than the split left there while still stamped with it (bulk inserts the log
// cannot show).
Status RefuseUnloggedBulkInserts(FileIO* io, LiveEnvironment* env, const std::string& log_dir,
                                 const std::string& home, const Manifest& parent) {
  std::string found;
  std::vector<SplitPage> new_pages;
  BDB_RETURN_IF_ERROR(FindUnloggedBulkInserts(log_dir, parent.end_lsn, &found, -1, &new_pages));
  if (found.empty() && !new_pages.empty()) {
    std::vector<std::string> databases, paths;
    BDB_RETURN_IF_ERROR(env->ListDatabaseFiles(&databases));
    for (const auto& listed : databases) paths.push_back(SourcePathOf(home, listed));
    BDB_RETURN_IF_ERROR(FindPagesFilledAfterTheirSplit(io, paths, new_pages, &found));
  }
  if (found.empty()) return Status::OK();
  return Status::CheckFailed("incremental backup of '" + home + "' refused: the log since backup '" + parent.id +
                             "' shows a DB_TXN_BULK transaction BDB did not fully log (" + found +
                             "), so this chain could not restore it; take a hot backup with --hold-hotbackup, after "
                             "which incrementals stay safe");
}

}  // namespace

namespace {

Status RunBackupOnce(const EngineContext& ctx, const BackupRequest& request, BackupOutcome* outcome);

// The refusals whose remedy is a hot backup: a gap in the log chain, or a log
// that cannot rebuild pages (every such message says "refused:").
bool HotBackupWouldDo(const Status& s) {
  return s.code() == Status::Code::kCheckFailed &&
         (s.message().rfind("log chain has a gap: ", 0) == 0 || s.message().find("' refused: ") != std::string::npos);
}

}  // namespace

Status RunBackup(const EngineContext& ctx, const BackupRequest& request, BackupOutcome* outcome) {
  *outcome = BackupOutcome();
  const BackupModeTraits* mode = &TraitsOf(request.mode);
  if (request.hot_if_refused && !mode->needs_parent)
    return Status::InvalidArgument("bad usage: --hot-if-refused needs --mode incremental");
  if (!(request.max_rate_mib_s >= 0))  // NaN too
    return Status::InvalidArgument(fmt::format("bad usage: --max-rate {} is not a rate: give MiB a second (0: no limit)",
                                               request.max_rate_mib_s));
  Status s = RunBackupOnce(ctx, request, outcome);
  if (s.ok() || !request.hot_if_refused || !HotBackupWouldDo(s)) return s;
  const std::string why = s.message();
  BackupRequest hot = request;
  hot.mode = BackupMode::kHot;
  BDB_RETURN_IF_ERROR(RunBackupOnce(ctx, hot, outcome).WithContext("the incremental backup was refused (" + why +
                                                                    "), and the hot backup taken instead failed"));
  outcome->refused_incremental = why;
  return Status::OK();
}

namespace {

// A hot backup or an incremental reads the repository's latest backup: an
// incremental's parent (which must exist), a hot backup's possible kept
// announcement. *have_latest: there is one.
Status LoadLatestIfAnnounced(Repository* repo, const BackupRequest& request, const BackupModeTraits& mode,
                             Manifest* parent, bool* have_latest) {
  *have_latest = false;
  if (mode.announces_hotbackup) {
    Status s = repo->LoadManifest("latest", parent);
    if (s.IsNotFound() && mode.needs_parent)
      return Status::InvalidArgument("incremental backup needs a full backup in repository '" + request.repo +
                                     "': take a hot or cold backup first");
    if (!s.IsNotFound()) BDB_RETURN_IF_ERROR(s);
    *have_latest = s.ok();
  }
  if (request.hold_hotbackup && !mode.announces_hotbackup)
    return Status::InvalidArgument("bad usage: --hold-hotbackup needs --mode hot or incremental");
  return Status::OK();
}

// Before anything is copied: an incremental with --skip-if-unchanged whose
// log has not moved since its parent sets outcome->unchanged; a cold backup
// refuses an environment another process has open.
Status CheckBeforeCopy(LiveEnvironment* env, const EnvironmentLayout& layout, const BackupRequest& request,
                       const BackupModeTraits& mode, const Manifest& parent, BackupOutcome* outcome) {
  if (mode.needs_parent && request.skip_if_unchanged) {
    Lsn now;
    BDB_RETURN_IF_ERROR(env->CurrentLsn(&now));
    if (ManifestLsn{now.file, now.offset} == parent.end_lsn) {
      outcome->unchanged = true;
      outcome->manifest = parent;
      return Status::OK();
    }
  }
  if (mode.offline) {
    int others = 0;
    std::string detail;
    BDB_RETURN_IF_ERROR(env->CountOtherUsers(&others, &detail));
    if (others > 0)
      return Status::Busy("environment '" + layout.home + "' is in use: " + detail +
                          "; a cold backup needs it idle (use --mode hot)");
  }
  return Status::OK();
}

// The new backup's manifest as far as it is known before the copy.
Manifest StartManifest(const EngineContext& ctx, const BackupRequest& request, const BackupModeTraits& mode,
                       const BackupGuards& guards, const Manifest& parent, const EnvironmentLayout& layout) {
  Manifest manifest;
  manifest.mode = mode.mode;
  manifest.hotbackup_hold = guards.hold_instance();
  manifest.encrypted = HaveEnvironmentPassword();  // the open succeeded with it: BDB0172 otherwise
  manifest.compression = CompressionName(request.compress_level);
  if (!manifest.compression.empty()) manifest.format_version = kManifestFormatVersionCompression;
  else manifest.format_version = 1;
  manifest.parent = mode.needs_parent ? parent.id : "";
  manifest.source_home = layout.home;
  manifest.tool_version = BDBACKUP_VERSION;
  manifest.start_unix_ms = ctx.now_unix_ms();
  return manifest;
}

// Copies into backups/<id>.partial and publishes it; a failure abandons the
// partial backup.
Status CopyAndPublish(const EngineContext& ctx, const BackupRequest& request, const BackupModeTraits& mode,
                      LiveEnvironment* env, Repository* repo, const Manifest& parent, const EnvironmentLayout& layout,
                      const BackupGuards& guards, Manifest* manifest, BackupOutcome* outcome) {
  BDB_RETURN_IF_ERROR(repo->NewBackupId(manifest->start_unix_ms, mode.mode, &manifest->id));
  std::string partial_dir;
  BDB_RETURN_IF_ERROR(repo->BeginBackup(manifest->id, &partial_dir));
  CrashPoint("backup/after_partial_dir");
  Status s = CopyIntoPartial(ctx, request, mode, env, repo, mode.needs_parent ? &parent : nullptr, partial_dir,
                             guards.auto_removal_on(), manifest, outcome);
  manifest->end_unix_ms = ctx.now_unix_ms();
  // Even under a held announcement: another process may withdraw it. Not in the
  // negative control that does not announce (it stands for a tool unaware of bulk).
  if (s.ok() && mode.needs_parent && ctx.announce_hotbackup)
    s = RefuseUnloggedBulkInserts(ctx.io, env, JoinPath(partial_dir, manifest->log_dir_rel), layout.home, parent);
  if (s.ok()) s = SyncDirectoryTree(ctx.io, partial_dir);  // the copied files' names, before publishing
  if (s.ok()) s = repo->PublishBackup(manifest->id, *manifest);
  // Best effort: a leftover .partial is never read and is removed by the next run.
  if (!s.ok()) repo->AbandonBackup(manifest->id);
  return s;
}

Status RunBackupOnce(const EngineContext& ctx, const BackupRequest& request, BackupOutcome* outcome) {
  *outcome = BackupOutcome();
  const BackupModeTraits& mode = TraitsOf(request.mode);
  EnvironmentLayout layout;
  BDB_RETURN_IF_ERROR(InspectEnvironment(ctx.io, request.home, &layout));
  if (request.recover_as_you_go && CurrentRepositoryKey() != nullptr)
    return Status::InvalidArgument("bad usage: --recover-as-you-go keeps a plaintext standby environment in the "
                                   "repository, which an encrypted repository refuses");
  std::unique_ptr<Repository> repo;
  BDB_RETURN_IF_ERROR(Repository::Open(ctx.io, request.repo, /*create_if_missing=*/true, &repo));
  std::unique_ptr<FileLock> lock;
  BDB_RETURN_IF_ERROR(repo->Lock(ctx.lock_wait_seconds, &lock));
  CrashPoint("lock/after_acquire");
  BDB_RETURN_IF_ERROR(repo->RemoveStalePartials(&outcome->removed_partials));
  Manifest parent;  // incremental: its parent; hot: the latest backup, if any (a kept announcement)
  bool have_latest = false;
  BDB_RETURN_IF_ERROR(LoadLatestIfAnnounced(repo.get(), request, mode, &parent, &have_latest));

  std::unique_ptr<LiveEnvironment> env;
  BDB_RETURN_IF_ERROR(LiveEnvironment::Open(ctx.io, request.home, &env));
  BDB_RETURN_IF_ERROR(CheckEnvironmentSupported(env.get()));
  BDB_RETURN_IF_ERROR(CheckBeforeCopy(env.get(), layout, request, mode, parent, outcome));
  if (outcome->unchanged) return Status::OK();

  BackupGuards guards;  // destroyed after env's last use below, before env closes
  if (mode.announces_hotbackup)
    BDB_RETURN_IF_ERROR(guards.Begin(env.get(), mode, have_latest ? &parent : nullptr, request.hold_hotbackup,
                                     ctx.announce_hotbackup));
  Manifest manifest = StartManifest(ctx, request, mode, guards, parent, layout);
  if (request.checkpoint || mode.offline) BDB_RETURN_IF_ERROR(env->Checkpoint());
  BDB_RETURN_IF_ERROR(
      CopyAndPublish(ctx, request, mode, env.get(), repo.get(), parent, layout, guards, &manifest, outcome));
  outcome->manifest = manifest;
  outcome->dir = repo->BackupDir(manifest.id);
  BDB_RETURN_IF_ERROR(guards.Published().WithContext("backup '" + manifest.id + "' was published"));
  guards = BackupGuards();
  env.reset();

  if (request.recover_as_you_go) {
    BDB_RETURN_IF_ERROR(UpdateStandby(ctx, repo.get(), manifest.id).WithContext(
        "backup '" + manifest.id + "' was published, but the standby was not updated"));
    outcome->standby_updated = true;
  }
  return Status::OK();
}

}  // namespace
}  // namespace bdb
