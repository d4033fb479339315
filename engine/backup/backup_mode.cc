#include "engine/backup/backup_mode.h"

namespace bdb {
namespace {

constexpr BackupModeTraits kModes[] = {
    {BackupMode::kCold, "cold", /*copies_databases=*/true, /*offline=*/true, /*needs_parent=*/false,
     /*announces_hotbackup=*/false},
    {BackupMode::kHot, "hot", /*copies_databases=*/true, /*offline=*/false, /*needs_parent=*/false,
     /*announces_hotbackup=*/true},
    {BackupMode::kIncremental, "incremental", /*copies_databases=*/false, /*offline=*/false, /*needs_parent=*/true,
     /*announces_hotbackup=*/true},
};

}  // namespace

Status ParseBackupMode(const std::string& name, const BackupModeTraits** traits) {
  for (const BackupModeTraits& t : kModes) {
    if (name == t.name) {
      *traits = &t;
      return Status::OK();
    }
  }
  return Status::InvalidArgument("unknown backup mode '" + name + "': expected cold, hot or incremental");
}

const BackupModeTraits& TraitsOf(BackupMode mode) {
  for (const BackupModeTraits& t : kModes)
    if (t.mode == mode) return t;
  return kModes[0];  // unreachable: every enumerator has a row
}

}  // namespace bdb
