#include "simulator/faults/write_phase.h"

#include <fmt/format.h>

#include "base/file_io.h"
#include "engine/bdb/log_names.h"

namespace bdb::sim {
namespace {

bool Under(const std::string& path, const std::string& dir) {
  return !dir.empty() && (path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                                          path[dir.size()] == '/'));
}

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

WritePhase InBackups(const std::string& backups, FileOp op, const std::string& path) {
  if (path == backups) return op == FileOp::kSyncDir ? WritePhase::kBackupsFsync : WritePhase::kSetup;
  // backups/<id>[.partial][/rest]
  const std::string rest = path.substr(backups.size() + 1);
  const size_t slash = rest.find('/');
  const std::string top = rest.substr(0, slash);
  const bool partial = EndsWith(top, ".partial");
  if (slash == std::string::npos) {
    if (op == FileOp::kRename && partial) return WritePhase::kRename;
    if (op == FileOp::kMkdir && partial) return WritePhase::kCopy;
    if (op == FileOp::kSyncDir && partial) return WritePhase::kFileFsync;
    return WritePhase::kCleanup;  // removing a leftover, or undoing a publication
  }
  if (!partial) {
    const std::string inner = rest.substr(slash + 1);
    const bool writing = op == FileOp::kCreate || op == FileOp::kWrite || op == FileOp::kSync;
    return inner == "manifest.json" && writing ? WritePhase::kManifest : WritePhase::kCleanup;
  }
  if (op == FileOp::kUnlink || op == FileOp::kRmdir) return WritePhase::kCleanup;
  const std::string inner = rest.substr(slash + 1);
  if (inner == "manifest.json" || inner == "manifest.json.tmp") return WritePhase::kManifest;
  if (op == FileOp::kSync || op == FileOp::kSyncDir) return WritePhase::kFileFsync;
  return WritePhase::kCopy;
}

WritePhase InArchive(FileOp op, const std::string& path) {
  const std::string base = BaseName(path);
  uint32_t number = 0;
  if (EndsWith(base, ".tmp") && ParseLogFileName(base.substr(0, base.size() - 4), &number) && op != FileOp::kRename)
    return WritePhase::kArchiveCopy;
  return WritePhase::kArchivePublish;
}

}  // namespace

const char* ToString(WritePhase phase) { return NameOf(kWritePhaseNames, phase); }

Status ParseWritePhase(const std::string& text, WritePhase* phase) {
  if (ParseName(kWritePhaseNames, text, phase)) return Status::OK();
  return Status::InvalidArgument(fmt::format("unknown write phase '{}'", text));
}

WritePhase ClassifyWrite(const PhaseDirs& dirs, FileOp op, const std::string& path) {
  if (Under(path, dirs.restore_target)) return WritePhase::kRestore;
  if (Under(path, dirs.home)) return WritePhase::kArchiveRemoval;  // the engine writes the environment only to remove logs
  if (!Under(path, dirs.repo) || path == dirs.repo) return WritePhase::kSetup;
  const std::string rest = path.substr(dirs.repo.size() + 1);
  const std::string top = rest.substr(0, rest.find('/'));
  if (top.rfind("standby", 0) == 0) return WritePhase::kStandby;
  if (top == "backups") return InBackups(JoinPath(dirs.repo, "backups"), op, path);
  if (top == "archive") {
    if (rest != "archive") return InArchive(op, path);
    return op == FileOp::kSyncDir ? WritePhase::kArchivePublish : WritePhase::kSetup;
  }
  return WritePhase::kSetup;
}

}  // namespace bdb::sim
