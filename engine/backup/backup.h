// RunBackup: cold, hot and incremental backups, published into a
// repository atomically (written under backups/<ID>.partial, manifest fsynced,
// renamed, backups/ fsynced). A failed or killed run leaves nothing that list,
// verify or restore would take for a backup.
//   cold: refuses while another process has the environment open; checkpoint;
//         every database file, then the last log file.
//   hot:  writers keep running; every database file first (pages verified as
//         copied), then every log file from the first present to the end.
//   incremental: the logs written since the parent (the latest backup),
//         including the parent's last log again; missing ones come from the
//         archive; a gap fails the backup.
#pragma once

#include <string>

#include "engine/engine_context.h"
#include "engine/repository/manifest.h"

namespace bdb {

struct BackupRequest {
  std::string home;
  std::string repo;
  BackupMode mode = BackupMode::kHot;
  bool checkpoint = false;         // force a checkpoint first (always for cold)
  bool recover_as_you_go = false;  // also bring standby/ up to date
  // Incremental only: when the log has not moved since the parent's end LSN,
  // publish nothing and set BackupOutcome::unchanged (a repeating loop on an
  // idle environment would otherwise store the parent's last log again each turn).
  bool skip_if_unchanged = false;
  // Hot or incremental: leave the hot backup announcement counted after the
  // backup (BackupGuards), so DB_TXN_BULK transactions keep logging until an
  // incremental without it; the next incremental then knows the log is whole.
  bool hold_hotbackup = false;
  // Incremental only: when it is refused because the log cannot rebuild the
  // environment (a log gap, unlogged bulk inserts, a lost announcement),
  // take a hot backup instead (BackupOutcome::refused_incremental says why).
  bool hot_if_refused = false;
  // zstd level for the copied database and log files (stored_file.h); 0 = raw.
  int compress_level = 0;
  // Reads of the environment's files at most this many MiB a second, averaged
  // over the backup (CopyPacer; --max-rate); 0 = as fast as the disk goes.
  double max_rate_mib_s = 0;
};

struct BackupOutcome {
  Manifest manifest;
  std::string dir;  // published backup directory
  uint64_t bytes = 0;
  uint64_t page_rereads = 0;  // torn or changing pages read again
  std::vector<std::string> removed_partials;
  bool standby_updated = false;
  bool unchanged = false;  // skip_if_unchanged and nothing new: no backup was taken
  std::string refused_incremental;  // hot_if_refused: why the incremental was refused ("" if it was not)
};

Status RunBackup(const EngineContext& ctx, const BackupRequest& request, BackupOutcome* outcome);

}  // namespace bdb
