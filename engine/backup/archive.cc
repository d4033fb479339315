#include "engine/backup/archive.h"

#include "engine/bdb/bdb_environment.h"
#include "engine/copy/content_hash.h"
#include "base/crash_points.h"
#include "engine/bdb/environment_support.h"
#include "engine/bdb/log_autoremove.h"
#include "engine/bdb/log_names.h"
#include "engine/repository/repository.h"
#include "engine/repository/stored_file.h"
#include "engine/copy/verified_copy.h"

namespace bdb {
namespace {

// Copies one finished log into the archive under a temporary name, records its
// checksum, renames it into place and verifies the archived bytes.
Status ArchiveOneLog(const EngineContext& ctx, Repository* repo, const std::string& src, uint32_t number,
                     int compress_level, CopyBuffers* buffers, uint64_t* bytes) {
  const std::string name = LogFileName(number);
  const std::string dst = JoinPath(repo->archive_dir(), name);
  const std::string tmp = dst + ".tmp";
  CopyOptions options;
  options.unit_bytes = kLogCopyUnitBytes;
  options.verification = PageVerification::kStableReread;
  options.immutable = true;  // BDB never writes again to a log it lists as removable
  options.progress = ctx.progress;
  options.buffers = buffers;
  CopyResult copied;
  StoredWriteIO stored(ctx.io, compress_level, repo->WriteKey());  // compressed, then encrypted, as asked
  BDB_RETURN_IF_ERROR(CopyLogFile(stored.io(), src, tmp, options, &copied));  // fsyncs tmp
  CrashPoint("archive/after_copy_before_rename");
  BDB_RETURN_IF_ERROR(ctx.io->Rename(tmp, dst));
  BDB_RETURN_IF_ERROR(ctx.io->SyncDir(repo->archive_dir()));
  CrashPoint("archive/after_rename_before_record");
  std::string reread_hash;
  uint64_t reread_size = 0;
  BDB_RETURN_IF_ERROR(HashFile(ctx.io, dst, &reread_hash, &reread_size));
  if (reread_hash != copied.xxh3_hex || reread_size != copied.bytes) {
    return Status::Corruption("archived log '" + dst + "' does not read back as written (checksum " + reread_hash +
                              ", expected " + copied.xxh3_hex + ")");
  }
  ArchivedLog record;
  record.number = number;
  record.path = dst;
  record.size = copied.bytes;
  record.xxh3 = copied.xxh3_hex;
  BDB_RETURN_IF_ERROR(repo->RecordArchivedLog(record, CompressionName(compress_level)));
  *bytes += copied.bytes;
  return Status::OK();
}

// True when the archive already holds a verified copy identical to src.
Status AlreadyArchived(const EngineContext& ctx, const std::vector<ArchivedLog>& archived, const std::string& src,
                       uint32_t number, bool* yes) {
  *yes = false;
  for (const auto& log : archived) {
    if (log.number != number) continue;
    std::string src_hash, dst_hash;
    uint64_t src_size = 0, dst_size = 0;
    BDB_RETURN_IF_ERROR(HashFile(ctx.io, src, &src_hash, &src_size));
    BDB_RETURN_IF_ERROR(HashFile(ctx.io, log.path, &dst_hash, &dst_size));
    if (dst_hash == log.xxh3 && src_hash == log.xxh3 && src_size == log.size) {
      *yes = true;
      return Status::OK();
    }
    if (dst_hash != log.xxh3) return Status::OK();  // a damaged archive copy: archive again
    return Status::CheckFailed("log file '" + src + "' differs from its archived copy '" + log.path +
                               "'; refusing to remove it");
  }
  return Status::OK();
}

}  // namespace

Status ArchiveFinishedLogs(const EngineContext& ctx, const ArchiveRequest& request, ArchiveOutcome* outcome) {
  *outcome = ArchiveOutcome();
  EnvironmentLayout layout;
  BDB_RETURN_IF_ERROR(InspectEnvironment(ctx.io, request.home, &layout));
  std::unique_ptr<Repository> repo;
  BDB_RETURN_IF_ERROR(Repository::Open(ctx.io, request.repo, /*create_if_missing=*/true, &repo));
  std::unique_ptr<FileLock> lock;
  BDB_RETURN_IF_ERROR(repo->Lock(ctx.lock_wait_seconds, &lock));
  CrashPoint("lock/after_acquire");

  std::unique_ptr<LiveEnvironment> env;
  BDB_RETURN_IF_ERROR(LiveEnvironment::Open(ctx.io, request.home, &env));
  BDB_RETURN_IF_ERROR(CheckEnvironmentSupported(env.get()));
  bool auto_removal = false;
  BDB_RETURN_IF_ERROR(LogAutoRemovalOn(env->env(), env->layout().home, &auto_removal));
  if (auto_removal && !request.take_over_log_removal) return ArchiveRefusedForAutoRemoval(env->layout().home);
  if (auto_removal && layout.has_db_config) {
    const std::string db_config = JoinPath(layout.home, "DB_CONFIG");
    std::string contents;
    BDB_RETURN_IF_ERROR(ReadWholeFile(ctx.io, db_config, &contents));
    if (int line = DbConfigAutoRemovalLine(contents)) return TakeOverRefusedForDbConfig(db_config, line);
  }
  if (auto_removal) {
    BDB_RETURN_IF_ERROR(TurnLogAutoRemovalOff(env->env(), env->layout().home));
    outcome->took_over_log_removal = true;
  }
  if (request.checkpoint) BDB_RETURN_IF_ERROR(env->Checkpoint());
  std::vector<uint32_t> removable;
  BDB_RETURN_IF_ERROR(env->ListRemovableLogs(&removable));
  std::vector<ArchivedLog> archived;
  BDB_RETURN_IF_ERROR(repo->ListArchivedLogs(&archived));

  ctx.progress->Phase("archiving log files", 0);
  CopyBuffers buffers;  // one set for every log
  for (uint32_t number : removable) {
    const std::string src = JoinPath(env->layout().log_dir, LogFileName(number));
    bool done_before = false;
    BDB_RETURN_IF_ERROR(AlreadyArchived(ctx, archived, src, number, &done_before));
    if (done_before) {
      outcome->already_archived.push_back(number);
    } else {
      BDB_RETURN_IF_ERROR(ArchiveOneLog(ctx, repo.get(), src, number, request.compress_level, &buffers, &outcome->bytes));
      outcome->archived.push_back(number);
    }
    CrashPoint("archive/after_record_before_remove");
    BDB_RETURN_IF_ERROR(ctx.io->RemoveFile(src));
    BDB_RETURN_IF_ERROR(ctx.io->SyncDir(env->layout().log_dir));
    CrashPoint("archive/after_remove");
  }
  return Status::OK();
}

}  // namespace bdb
