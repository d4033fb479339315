#include "engine/restore/verify.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <vector>

#include "engine/bdb/bulk_log_scan.h"
#include "engine/copy/content_hash.h"
#include "base/crash_points.h"
#include "engine/bdb/database_file.h"
#include "engine/bdb/environment_password.h"
#include "engine/copy/page_checksum.h"
#include "engine/recovery/recovery.h"
#include "engine/repository/repository.h"
#include "engine/restore/restore.h"
#include "engine/restore/restore_plan.h"
#include "base/safe_path.h"
#include "engine/repository/stored_file.h"
#include "engine/repository/verify_record.h"

namespace bdb {
namespace {

// For a checksummed database, names the first page that fails BDB's own
// checksum (or "" when every page passes). Reads 1 MiB at a time.
std::string FirstBadPage(FileIO* io, const std::string& path, const ManifestFile& f) {
  if (!f.checksummed || f.page_size == 0) return "";
  DatabaseFileInfo info;
  if (!ReadDatabaseFileInfo(io, path, &info).ok()) return "page 0 (the meta page) is unreadable";
  std::unique_ptr<ReadableFile> file;
  if (!io->OpenForRead(path, &file).ok()) return "";
  const size_t pages_per_read = std::max<size_t>(1, (1 << 20) / f.page_size);
  std::vector<char> batch(pages_per_read * f.page_size);
  for (uint64_t first = 0;; first += pages_per_read) {
    size_t got = 0;
    if (!file->Pread(first * f.page_size, batch.size(), batch.data(), &got).ok()) return "";
    for (size_t i = 0; (i + 1) * f.page_size <= got; ++i) {
      if (CheckPageChecksum(&batch[i * f.page_size], f.page_size, info) == PageCheck::kInvalid)
        return "page " + std::to_string(first + i) + " fails its checksum";
    }
    if (got < batch.size()) return "";
  }
}

// Where a file of the chain lives: Corruption when its path leaves the backup.
Status LocateFile(FileIO* io, const std::string& backup_dir, const std::string& id, const ManifestFile& f,
                  std::string* path) {
  const std::string where = "file '" + f.path + "' of backup '" + id + "'";
  Status s = ResolveInside(io, backup_dir, f.path, path);
  if (!s.ok()) return Status::Corruption(where + ": " + s.message());
  FileInfo info;
  BDB_RETURN_IF_ERROR(io->Stat(*path, &info));
  if (!info.exists) return Status::Corruption(where + " is missing");
  if (info.is_dir) return Status::Corruption(where + " is a directory");
  uint64_t original = 0;  // of a compressed file (stored_file.h), the recorded original size
  BDB_RETURN_IF_ERROR(OriginalSize(io, *path, &original));
  if (original != f.size)
    return Status::Corruption(where + " is " + std::to_string(original) + " bytes, the manifest says " +
                              std::to_string(f.size));
  return Status::OK();
}

// Every check of one file of the chain, reading it whole: present, size,
// checksum, and for a checksummed database every page's BDB checksum.
Status CheckFile(FileIO* io, const std::string& backup_dir, const std::string& id, const ManifestFile& f,
                 uint64_t* bytes) {
  const std::string where = "file '" + f.path + "' of backup '" + id + "'";
  std::string path;
  BDB_RETURN_IF_ERROR(LocateFile(io, backup_dir, id, f, &path));
  std::string hash;
  uint64_t size = 0;
  BDB_RETURN_IF_ERROR(HashFile(io, path, &hash, &size));
  if (hash != f.xxh3) {
    std::string page = FirstBadPage(io, path, f);
    return Status::Corruption(where + " has checksum " + hash + ", the manifest says " + f.xxh3 +
                              (page.empty() ? "" : " (" + page + ")"));
  }
  // A page stored torn by an unverifying copier hashes as stored: BDB's own
  // page checksums still name it.
  std::string page = FirstBadPage(io, path, f);
  if (!page.empty()) return Status::Corruption(where + ": " + page);
  *bytes += size;
  return Status::OK();
}

// A file of the chain, and whether the trial restore copies it (it does not
// copy a shorter copy of a log that a later backup of the chain holds longer).
struct ChainFile {
  const Manifest* backup;
  const ManifestFile* file;
  bool copied_by_trial_restore;
};

// The trial restore into scratch, which reads and hashes every file it
// copies: those need no reading of their own. A file it finds damaged is
// checked whole (CheckFile) for the message naming the checksum and page.
Status TrialRestoreChecked(const EngineContext& ctx, Repository* repo, const RestorePlan& plan,
                           const std::vector<ChainFile>& files, const std::string& scratch) {
  const PlannedFile* failed = nullptr;
  Status s = ExecuteRestorePlan(ctx, plan, scratch, RestoreDurability::kScratch, &failed);  // removed by the caller
  if (s.ok() || failed == nullptr) return s;
  for (const ChainFile& c : files) {
    if (JoinPath(repo->BackupDir(c.backup->id), c.file->path) != failed->src) continue;
    uint64_t ignored = 0;
    BDB_RETURN_IF_ERROR(CheckFile(ctx.io, repo->BackupDir(c.backup->id), c.backup->id, *c.file, &ignored));
  }
  return s;
}

// Every check of the files once the trial restore copied them: BDB's page
// checksums of each checksummed database (read from the plaintext copy),
// then the files the trial restore did not copy, whole.
Status CheckFilesAfterTrialRestore(const EngineContext& ctx, Repository* repo, const std::vector<ChainFile>& files,
                                   const std::string& scratch, VerifyOutcome* outcome) {
  for (const ChainFile& c : files) {
    if (!c.copied_by_trial_restore) {
      BDB_RETURN_IF_ERROR(
          CheckFile(ctx.io, repo->BackupDir(c.backup->id), c.backup->id, *c.file, &outcome->bytes_checked));
      continue;
    }
    std::string page = FirstBadPage(DefaultFileIO(), JoinPath(scratch, c.file->path), *c.file);
    if (!page.empty())
      return Status::Corruption("file '" + c.file->path + "' of backup '" + c.backup->id + "': " + page);
    outcome->bytes_checked += c.file->size;
  }
  return Status::OK();
}

// The trial restore's catastrophic recovery, then DB->verify of every database.
Status RecoverAndVerify(const EngineContext& ctx, const std::string& id, const std::string& scratch,
                        const std::vector<std::string>& databases, VerifyOutcome* outcome) {
  ctx.progress->Phase("trial restore: catastrophic recovery", 0);
  const auto started = std::chrono::steady_clock::now();
  Status s = RecoverCatastrophic(scratch, std::nullopt, RecoveryRun{ctx.recovery_helper, "backup '" + id + "'"});
  outcome->recovery_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  // CheckFailed is a crash, already named "recovery of backup '<ID>' crashed ...".
  if (!s.ok() && s.code() != Status::Code::kCheckFailed)
    return Status::CheckFailed("trial restore of backup '" + id + "' failed: " + s.message());
  if (!s.ok()) return s;
  ctx.progress->Phase("trial restore: verifying databases", 0);
  s = VerifyDatabases(scratch, databases, RecoveryRun{ctx.recovery_helper, ""});
  return s.ok() ? s : s.WithContext("backup '" + id + "'");
}

// Everything verify checks, once the backup is chosen. Before recovery runs,
// every file of the chain has been read whole and matched its manifest.
Status VerifyChosen(const EngineContext& ctx, const VerifyRequest& request, Repository* repo, const Manifest& chosen,
                    VerifyOutcome* outcome) {
  std::vector<Manifest> chain;
  BDB_RETURN_IF_ERROR(repo->LoadChain(chosen.id, &chain));
  std::vector<std::string> databases;
  ctx.progress->Phase("checking files against manifests", 0);
  std::vector<ChainFile> files;
  for (const Manifest& m : chain) {
    outcome->chain.push_back(m.id);
    for (const ManifestFile& f : m.files) {
      std::string path;
      BDB_RETURN_IF_ERROR(LocateFile(ctx.io, repo->BackupDir(m.id), m.id, f, &path));
      files.push_back(ChainFile{&m, &f, false});
      ++outcome->files_checked;
      if (f.kind == "database" && &m == &chain.front()) databases.push_back(f.path);
    }
  }
  RestorePlan plan;
  BDB_RETURN_IF_ERROR(PlanRestore(ctx.io, repo, chain, "", &plan));
  outcome->first_log = plan.first_log;
  outcome->last_log = plan.last_log;
  for (ChainFile& c : files) {
    const std::string src = JoinPath(repo->BackupDir(c.backup->id), c.file->path);
    for (const PlannedFile& p : plan.files) c.copied_by_trial_restore |= p.src == src;
  }

  const bool keep = !request.restore_target.empty();
  std::string scratch = request.restore_target;
  if (keep) {
    BDB_RETURN_IF_ERROR(CheckRestoreTarget(ctx.io, scratch, /*force=*/false));
    BDB_RETURN_IF_ERROR(ctx.io->MakeDir(scratch, 0700));
  } else {
    BDB_RETURN_IF_ERROR(MakeScratchDir(request.scratch_dir, "bdbackup-verify", &scratch));
  }
  Status s = TrialRestoreChecked(ctx, repo, plan, files, scratch);
  if (s.ok()) s = CheckFilesAfterTrialRestore(ctx, repo, files, scratch, outcome);
  if (s.ok()) s = CheckChainPassword(chain);
  if (s.ok()) s = CheckChainForUnloggedBulkInserts(repo, chain);
  // The checks restore makes before recovery (the coverage invariant among
  // them), on every verify.
  if (s.ok()) s = CheckLaidOutFiles(ctx.io, plan, chain, scratch, std::nullopt);
  CrashPoint("verify/during_trial_restore");
  if (s.ok()) s = RecoverAndVerify(ctx, chosen.id, scratch, databases, outcome);
  if (s.ok()) outcome->databases_verified = databases;
  if (!s.ok() || !keep) RemoveTree(ctx.io, scratch);  // best effort
  return s;
}

}  // namespace

Status RunVerify(const EngineContext& ctx, const VerifyRequest& request, VerifyOutcome* outcome) {
  *outcome = VerifyOutcome();
  std::unique_ptr<Repository> repo;
  BDB_RETURN_IF_ERROR(Repository::Open(ctx.io, request.repo, /*create_if_missing=*/false, &repo));
  BDB_RETURN_IF_ERROR(repo->RequireKeyToRead());  // an encrypted repository: refused up front, not file by file
  std::unique_ptr<FileLock> reading;  // expire waits until this verify is done
  BDB_RETURN_IF_ERROR(repo->LockForReading(ctx.lock_wait_seconds, &reading));
  Manifest chosen;
  Status s = repo->LoadManifest(request.backup, &chosen);
  if (s.ok()) {
    outcome->backup_id = chosen.id;
    s = VerifyChosen(ctx, request, repo.get(), chosen, outcome);
  }
  // A verdict on the backup (it passed, or exit 1: a damaged manifest or
  // file, a gap, recovery failed) is recorded for `check`; bad usage (an
  // unknown backup) or an I/O failure is not one.
  const bool verdict = s.ok() || s.code() == Status::Code::kCorruption || s.code() == Status::Code::kCheckFailed;
  if (!verdict) return s;
  const std::string id = chosen.id.empty() ? request.backup : chosen.id;
  Status recorded =
      WriteVerifyRecord(ctx.io, repo.get(), VerifyRecord{id, ctx.now_unix_ms(), s.ok(), s.ok() ? "" : s.message()});
  if (!recorded.ok() && s.ok())
    return recorded.WithContext("backup '" + id + "' verified, but the result could not be recorded");
  return s;
}

}  // namespace bdb
