// BackupMode: the three kinds of backup and, in one table, everything that
// differs between them, so the backup code asks what a mode does (copies
// the databases, needs an idle environment, builds on a parent) instead of
// comparing mode names. The name ("cold", "hot", "incremental") appears in
// the command line, the manifest and the backup id; it is parsed once, here.
// Thread-safety: immutable data.
#pragma once

#include <string>

#include "base/status.h"

namespace bdb {

enum class BackupMode { kCold, kHot, kIncremental };

struct BackupModeTraits {
  BackupMode mode;
  const char* name;
  // Copies the database files (a full backup); an incremental copies only
  // the log written since its parent.
  bool copies_databases;
  // Needs the environment idle, checkpointed first, and copies only the last log.
  bool offline;
  // Builds on the repository's latest backup, which must exist.
  bool needs_parent;
  // Joins a live environment: pauses log auto-removal and announces the hot
  // backup (BackupGuards) for the length of the copy.
  bool announces_hotbackup;
};

// InvalidArgument "unknown backup mode '<name>': expected cold, hot or incremental".
Status ParseBackupMode(const std::string& name, const BackupModeTraits** traits);
const BackupModeTraits& TraitsOf(BackupMode mode);

}  // namespace bdb
