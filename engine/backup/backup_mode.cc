#include "engine/backup/backup_mode.h"

namespace bdb {
namespace {

constexpr BackupModeTraits kModes[] = {
    {BackupMode::kCold, /*copies_databases=*/true, /*offline=*/true, /*needs_parent=*/false,
     /*announces_hotbackup=*/false},
    {BackupMode::kHot, /*copies_databases=*/true, /*offline=*/false, /*needs_parent=*/false,
     /*announces_hotbackup=*/true},
    {BackupMode::kIncremental, /*copies_databases=*/false, /*offline=*/false, /*needs_parent=*/true,
     /*announces_hotbackup=*/true},
};

}  // namespace

const BackupModeTraits& TraitsOf(BackupMode mode) {
  for (const BackupModeTraits& t : kModes)
    if (t.mode == mode) return t;
  return kModes[0];  // unreachable: every enumerator has a row
}

}  // namespace bdb
