// Named crash points: places in the engine's own procedures where a test can
// kill bdbackup (SIGKILL, no cleanup) to prove each step is crash-safe.
// A point fires when the libfiu failure point "bdbackup/crash/<name>" is
// enabled (fiu-run -x -c 'enable name=bdbackup/crash/<name>' or fiu_enable).
// The table below is the one list of points; tests iterate over it.
// Thread-safety: CrashPoint may be called from any thread.
#pragma once

#include <array>
#include <string_view>

namespace bdb {

inline constexpr std::array<std::string_view, 19> kCrashPoints = {
    "archive/after_copy_before_rename",
    "archive/after_rename_before_record",
    "archive/after_record_before_remove",
    "archive/after_remove",
    "backup/after_partial_dir",
    "backup/after_database_files",
    "backup/after_log_files",
    "backup/after_manifest_before_rename",
    "backup/after_rename_before_dir_sync",
    "standby/before_recovery",
    "restore/after_copy_before_recovery",
    "restore/after_recovery",
    "verify/during_trial_restore",
    "lock/after_acquire",
    "expire/after_hide_before_dir_sync",
    "expire/after_backup_hidden",
    "expire/after_backup_removed",
    "expire/after_sidecar_removed",
    "expire/after_log_removed",
};

// Kills the process with SIGKILL if the point is enabled; otherwise returns.
// REQUIRES: name is in kCrashPoints (checked in debug builds).
void CrashPoint(std::string_view name);

// Initializes libfiu once per process (reads FIU_ENABLE-style settings applied
// by fiu-run). Safe to call many times.
void InitFaultPoints();

}  // namespace bdb
