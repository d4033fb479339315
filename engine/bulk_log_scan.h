// FindUnloggedBulkInserts: the traces an unannounced DB_TXN_BULK transaction
// leaves in the log (BDB marks nothing): it logs the leaf pages it allocates
// by extending the file and the splits that made them, but not its inserts on
// them. Two traces follow. A committed transaction that splits such a page
// with no insert logged on it filled it unlogged. And a committed transaction
// whose leaf split moved entries onto such a page, where the next insert it
// logs is not on one of the split's halves (or there is none before its
// commit), did not log the insert that caused the split: BDB retries that
// insert right after the split, and logs it in every other transaction.
// Not found: a bulk transaction whose split-causing insert went to the old
// half (logged) and which later inserted onto the new half, unlogged,
// without splitting it again; the log holds nothing of those inserts.
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
