// BackupModeTraits: in one table, everything that differs between the three
// kinds of backup, so the backup code asks what a mode does (copies the
// databases, needs an idle environment, builds on a parent) instead of
// comparing modes. The enum and its one spelling are the repository's
// (engine/repository/backup_mode_name.h).
// Thread-safety: immutable data.
#pragma once

#include <string>

#include "engine/repository/backup_mode_name.h"

namespace bdb {

struct BackupModeTraits {
  BackupMode mode;
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

const BackupModeTraits& TraitsOf(BackupMode mode);

}  // namespace bdb
