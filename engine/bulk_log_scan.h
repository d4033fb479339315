// FindUnloggedBulkInserts: the trace an unannounced DB_TXN_BULK transaction
// leaves in the log (BDB marks nothing): it logs the leaf pages it allocates
// and their splits but not its inserts on them, so a committed transaction
// that splits such a page with no insert logged on it filled it unlogged.
// Bulk transactions too small to split a page leave no trace.
// Thread-safety: a pure function of the files it reads.
#pragma once

#include <cstdint>
#include <string>

#include <vector>

#include "engine/manifest.h"
#include "engine/repository.h"
#include "engine/status.h"

namespace bdb {

// Scans every record of the log files in log_dir (read through a private,
// log-only DB_ENV that writes nothing there; with no log file there, nothing
// is opened: BDB would create one). *found describes the first
// transaction committed after `after` that shows the trace ("transaction
// 80000003 committed at [4][1234] filled page 3 of file id 0 without logging
// it"), or is "" when none does. IOError when the log cannot be read.
// until_unix_seconds >= 0: commits stamped later are ignored (a recovery to
// that time never replays them).
Status FindUnloggedBulkInserts(const std::string& log_dir, ManifestLsn after, std::string* found,
                               int64_t until_unix_seconds = -1);

// For verify and restore of a published chain (full backup first): every
// incremental is scanned from its parent's end. CheckFailed "backup '<id>' cannot be restored: ..." names the first
// that shows the trace (published by a bdbackup that did not look for it).
Status CheckChainForUnloggedBulkInserts(Repository* repo, const std::vector<Manifest>& chain);

}  // namespace bdb
