// BackupMode: the three kinds of backup, and their one spelling ("cold",
// "hot", "incremental"), which the command line, the manifest's "mode" and
// the backup id's suffix all use. Text becomes a BackupMode once, where it
// enters (the command line, a manifest read, an id split); past that the
// engine passes the enum. What each mode does: engine/backup/backup_mode.h.
// Thread-safety: immutable data.
#pragma once

#include <string>

#include "base/enum_names.h"
#include "base/status.h"

namespace bdb {

enum class BackupMode { kCold, kHot, kIncremental };
inline const EnumNames<BackupMode> kBackupModeNames = {
    {"cold", BackupMode::kCold}, {"hot", BackupMode::kHot}, {"incremental", BackupMode::kIncremental}};

inline const char* BackupModeName(BackupMode mode) { return NameOf(kBackupModeNames, mode); }

// InvalidArgument "unknown backup mode '<name>': expected cold, hot or incremental".
inline Status ParseBackupMode(const std::string& name, BackupMode* mode) {
  if (ParseName(kBackupModeNames, name, mode)) return Status::OK();
  return Status::InvalidArgument("unknown backup mode '" + name + "': expected cold, hot or incremental");
}

}  // namespace bdb
