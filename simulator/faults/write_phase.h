// WritePhase: where in the engine's write path one journaled file-system
// operation of the backup agent lies (copy, file fsyncs, manifest, rename,
// backups/ fsync, archive copy, archive publish, archive removal, standby,
// restore), read from the operation and its path; BDB's own operations in
// the recovery helper are phase "recovery" (the helper says so itself). The
// plan cuts power at the n-th operation counted from the first of a named
// phase, and the trial records the phase the cut landed in. Pure functions;
// thread-safe.
#pragma once

#include <string>

#include "base/enum_names.h"
#include "base/status.h"

namespace bdb::sim {

enum class WritePhase {
  kSetup,           // the repository's own directories and marker, the lock
  kCleanup,         // removing a leftover .partial
  kCopy,            // creating and writing a backup's files in backups/<id>.partial/
  kFileFsync,       // fsyncs of those files and of the .partial tree
  kManifest,        // manifest.json written, fsynced, renamed into place
  kRename,          // backups/<id>.partial renamed to backups/<id>
  kBackupsFsync,    // fsync of backups/
  kArchiveCopy,     // a log copied into archive/ (log.N.tmp written and fsynced)
  kArchivePublish,  // renamed to log.N, archive/ fsynced, its sidecar written
  kArchiveRemoval,  // the log removed from the environment, its directory fsynced
  kStandby,         // standby/ rebuilt or brought up to date (--recover-as-you-go)
  kRestore,         // a restore target written
  kRecovery,        // BDB's own operations inside the recovery helper (bdbsim-recover) on a restore target or
                    // the standby; never from ClassifyWrite (the helper counts them as this phase)
  kAfterExit,       // the cut came after the agent's last operation
};

inline const EnumNames<WritePhase> kWritePhaseNames = {
    {"setup", WritePhase::kSetup},
    {"cleanup", WritePhase::kCleanup},
    {"copy", WritePhase::kCopy},
    {"file_fsync", WritePhase::kFileFsync},
    {"manifest", WritePhase::kManifest},
    {"rename", WritePhase::kRename},
    {"backups_fsync", WritePhase::kBackupsFsync},
    {"archive_copy", WritePhase::kArchiveCopy},
    {"archive_publish", WritePhase::kArchivePublish},
    {"archive_removal", WritePhase::kArchiveRemoval},
    {"standby", WritePhase::kStandby},
    {"restore", WritePhase::kRestore},
    {"recovery", WritePhase::kRecovery},
    {"after_exit", WritePhase::kAfterExit}};

// The phase's name in kWritePhaseNames.
const char* ToString(WritePhase phase);
// InvalidArgument "unknown write phase '<text>'".
Status ParseWritePhase(const std::string& text, WritePhase* phase);

enum class FileOp { kCreate, kWrite, kSync, kSyncDir, kRename, kUnlink, kMkdir, kRmdir };

// The agent's directories, as the engine spells them (no trailing '/').
struct PhaseDirs {
  std::string repo;
  std::string home;
  std::string restore_target;  // "" = none
};

// The phase of one operation on path (for a rename, its source path).
WritePhase ClassifyWrite(const PhaseDirs& dirs, FileOp op, const std::string& path);

}  // namespace bdb::sim
