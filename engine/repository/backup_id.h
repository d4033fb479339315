// Backup IDs and the UTC timestamps written into manifests.
//
// An ID is "<YYYYMMDD>T<HHMMSS>Z[.<NNN>]-<mode>", e.g. "20261123T181500Z-hot"
// or "20261123T181500Z.001-incremental": the UTC second the backup started,
// an optional 3-digit uniquifier for a second backup in the same second, and
// the mode. Byte order of IDs is time order: the timestamp is fixed width and
// '-' (0x2D) sorts before '.' (0x2E), so "...Z-hot" < "...Z.001-cold" <
// "...Z.002-hot" < "<next second>Z-cold". The mode never decides the order,
// because Repository::NewBackupId gives every ID a distinct time part.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "engine/repository/backup_mode_name.h"

namespace bdb {

// Largest uniquifier: 999 backups can start within one second.
inline constexpr int kMaxBackupIdUniquifier = 999;

// "2026-11-23T18:15:00.123Z" (ISO 8601, UTC, millisecond resolution).
std::string FormatUtcTimestamp(int64_t unix_ms);
// "2026-11-23T18:15:00Z": the same at second resolution (report dates).
std::string FormatUtcSeconds(int64_t unix_seconds);
// Accepts "2026-11-23T18:15:00.123Z" (1-9 fraction digits, truncated to ms),
// "2026-11-23T18:15:00Z" and "2026-11-23 18:15:00" (read as UTC); years
// 0000-9999. InvalidArgument "invalid time '<s>': ..." otherwise.
Status ParseUtcTimestamp(const std::string& text, int64_t* unix_ms);

// REQUIRES: 0 <= uniquifier <= 999. Uniquifier 0 gives no ".NNN" part.
std::string MakeBackupId(int64_t unix_ms, BackupMode mode, int uniquifier);
// True for IDs MakeBackupId can produce (a real date and time, a known mode).
bool IsValidBackupId(const std::string& id);

// The parts of a valid ID. REQUIRES: IsValidBackupId(id).
struct BackupIdParts {
  std::string second;  // "20261123T181500Z"
  int uniquifier = 0;
  BackupMode mode = BackupMode::kHot;
};
BackupIdParts SplitBackupId(const std::string& id);

}  // namespace bdb
