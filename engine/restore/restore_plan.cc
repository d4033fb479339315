#include "engine/restore/restore_plan.h"

#include <deque>
#include <map>
#include <memory>

#include "engine/bdb/log_names.h"
#include "base/safe_path.h"
#include "engine/copy/verified_copy.h"
#include "engine/restore/log_coverage.h"

namespace bdb {
namespace {

constexpr uint32_t kCopyChunkBytes = 1 << 20;
// Copies wait for their fsync open; past this many the oldest is synced early.
constexpr size_t kMaxUnsynced = 64;

Status SyncAndClose(std::deque<std::unique_ptr<WritableFile>>* unsynced) {
  std::unique_ptr<WritableFile> file = std::move(unsynced->front());
  unsynced->pop_front();
  BDB_RETURN_IF_ERROR(file->Sync());
  return file->Close();
}

// Prefers the longest candidate for a log number: every copy is a prefix of the same log.
void Offer(std::map<uint32_t, PlannedFile>* logs, uint32_t number, PlannedFile file, uint64_t size) {
  auto it = logs->find(number);
  if (it == logs->end() || it->second.size <= size) (*logs)[number] = std::move(file);
}

Status AddLiveLogs(FileIO* io, const std::string& live_log_dir, const std::string& log_rel,
                   std::map<uint32_t, PlannedFile>* logs) {
  std::vector<std::string> names;
  BDB_RETURN_IF_ERROR(io->ListDir(live_log_dir, &names));
  for (const auto& name : names) {
    uint32_t n = 0;
    if (!ParseLogFileName(name, &n)) continue;
    FileInfo info;
    BDB_RETURN_IF_ERROR(io->Stat(JoinPath(live_log_dir, name), &info));
    if (!info.exists || info.is_dir || info.is_symlink) continue;
    PlannedFile f{JoinPath(live_log_dir, name), JoinPath(log_rel, name), "log", "", info.size, "live environment"};
    // A live log is the newest version of its number: always prefer it.
    (*logs)[n] = f;
  }
  return Status::OK();
}

}  // namespace

Status MakeParentDirs(FileIO* io, const std::string& root, const std::string& rel) {
  std::string dir = root;
  size_t start = 0;
  for (size_t slash = rel.find('/'); slash != std::string::npos; slash = rel.find('/', start)) {
    dir = JoinPath(dir, rel.substr(start, slash - start));
    BDB_RETURN_IF_ERROR(io->MakeDir(dir, 0700));
    start = slash + 1;
  }
  return Status::OK();
}

Status PlanRestore(FileIO* io, Repository* repo, const std::vector<Manifest>& chain, const std::string& live_log_dir,
                   RestorePlan* plan) {
  *plan = RestorePlan();
  if (chain.empty()) return Status::InvalidArgument("empty backup chain");
  const Manifest& full = chain.front();
  const std::string log_rel = full.log_dir_rel;
  std::map<uint32_t, PlannedFile> logs;
  for (const Manifest& m : chain) {
    const std::string dir = repo->BackupDir(m.id);
    for (const ManifestFile& f : m.files) {
      BDB_RETURN_IF_ERROR(ValidateRelativePath(f.path));
      PlannedFile planned{JoinPath(dir, f.path), f.path, f.kind, f.xxh3, f.size, "backup " + m.id};
      if (f.kind == "log") {
        uint32_t n = 0;
        if (!ParseLogFileName(BaseName(f.path), &n))
          return Status::Corruption("manifest of backup '" + m.id + "' lists log '" + f.path +
                                    "' whose name is not a log file name");
        Offer(&logs, n, planned, f.size);
      } else if (&m == &full) {
        plan->files.push_back(planned);
      }
    }
  }
  std::vector<ArchivedLog> archived;
  BDB_RETURN_IF_ERROR(repo->ListArchivedLogs(&archived));
  for (const auto& a : archived) {
    if (a.number < full.first_log) continue;
    Offer(&logs, a.number,
          PlannedFile{a.path, JoinPath(log_rel, LogFileName(a.number)), "log", a.xxh3, a.size, "archive"}, a.size);
  }
  if (!live_log_dir.empty()) BDB_RETURN_IF_ERROR(AddLiveLogs(io, live_log_dir, log_rel, &logs));

  // The chain itself must be complete; beyond it, roll forward while logs are contiguous.
  const uint32_t chain_last = chain.back().last_log;
  uint32_t last = full.first_log;
  for (uint32_t n = full.first_log; n <= chain_last; ++n) {
    if (!logs.count(n)) {
      return Status::CheckFailed("log chain has a gap: '" + LogFileName(n) + "' is missing between '" +
                                 LogFileName(full.first_log) + "' and '" + LogFileName(chain_last) +
                                 "' (not in the backups nor in the archive)");
    }
    last = n;
  }
  while (logs.count(last + 1)) ++last;
  auto beyond = logs.upper_bound(last);
  if (beyond != logs.end())
    plan->notes.push_back("log sequence stops at '" + LogFileName(last) + "': '" + LogFileName(last + 1) +
                          "' is missing, so later logs (from '" + LogFileName(beyond->first) + "') are not used");
  for (uint32_t n = full.first_log; n <= last; ++n) plan->files.push_back(logs[n]);
  plan->first_log = full.first_log;
  plan->last_log = last;
  return Status::OK();
}

Status ExecuteRestorePlan(const EngineContext& ctx, const RestorePlan& plan, const std::string& target,
                          RestoreDurability durability, const PlannedFile** failed) {
  const bool durable = durability == RestoreDurability::kDurable;
  uint64_t total = 0;
  for (const auto& f : plan.files) total += f.size;
  ctx.progress->Phase("restoring files", total);
  CopyBuffers buffers;  // one set for every file
  std::deque<std::unique_ptr<WritableFile>> unsynced;  // copied, oldest first, to fsync after the last copy
  for (const PlannedFile& f : plan.files) {
    const std::string where = "file '" + f.rel + "' of " + f.origin;
    if (failed != nullptr) *failed = &f;  // until it is copied and checked
    FileInfo info;
    BDB_RETURN_IF_ERROR(ctx.io->Stat(f.src, &info));
    if (!info.exists) return Status::Corruption(where + " is missing");
    if (info.is_symlink) return Status::Corruption(where + " is a symbolic link; refusing to follow it");
    BDB_RETURN_IF_ERROR(MakeParentDirs(ctx.io, target, f.rel));
    const std::string dst = JoinPath(target, f.rel);
    CopyOptions options;
    options.unit_bytes = kCopyChunkBytes;
    options.verification = PageVerification::kNone;  // a repository file does not change while read
    options.progress = ctx.progress;
    options.buffers = &buffers;
    options.defer_sync = true;
    ctx.progress->StartFile(f.rel, f.size);
    CopyResult copied;
    BDB_RETURN_IF_ERROR(CopyLogFile(ctx.io, f.src, dst, options, &copied));
    if (!f.xxh3.empty() && (copied.bytes != f.size || copied.xxh3_hex != f.xxh3)) {
      return Status::Corruption(where + " is damaged: " + std::to_string(copied.bytes) + " bytes with checksum " +
                                copied.xxh3_hex + ", recorded " + std::to_string(f.size) + " bytes with checksum " +
                                f.xxh3);
    }
    if (copied.unsynced == nullptr) continue;
    if (durable) {
      copied.unsynced->StartWriteback();  // the disk works while the next file is copied
      unsynced.push_back(std::move(copied.unsynced));
      if (unsynced.size() > kMaxUnsynced) BDB_RETURN_IF_ERROR(SyncAndClose(&unsynced));
    } else {
      BDB_RETURN_IF_ERROR(copied.unsynced->Close());
    }
  }
  if (failed != nullptr) *failed = nullptr;
  if (!durable) return Status::OK();
  while (!unsynced.empty()) BDB_RETURN_IF_ERROR(SyncAndClose(&unsynced));
  // The copied files' names are durable only once their directories are
  // fsynced (log/, data directories), deepest first, then the target itself.
  return SyncDirectoryTree(ctx.io, target);
}

// Every copied database page carries an LSN the laid-out logs reach, and the
// logs are contiguous (log_coverage.h); else recovery would silently miss
// changes, so the restore refuses, naming the file, page and LSN.
Status CheckPlannedLogsCoverPages(FileIO* io, const RestorePlan& plan, const std::string& target,
                                  const std::string& backup_id) {
  std::vector<std::string> databases, logs;
  for (const PlannedFile& f : plan.files) {
    if (f.kind == "database") databases.push_back(JoinPath(target, f.rel));
    if (f.kind == "log") logs.push_back(JoinPath(target, f.rel));
  }
  LogCoverage coverage;
  BDB_RETURN_IF_ERROR(CheckLogCoverage(io, databases, logs, &coverage));
  if (coverage.ok()) return Status::OK();
  return Status::CheckFailed("backup '" + backup_id + "' cannot be recovered: " + coverage.Describe());
}

}  // namespace bdb
