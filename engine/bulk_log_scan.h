// FindUnloggedBulkInserts: reads log files for the trace a DB_TXN_BULK
// transaction leaves when no hot backup was announced. BDB writes no record
// saying it skipped logging: such a transaction logs the pages it allocates
// by extending a file (__db_pg_alloc) and its splits (__bam_split, carrying the
// page's image), but not its inserts (__db_addrem) on those pages, which reach
// the database file only when commit flushes them. So a committed transaction
// that splits a btree/recno leaf page it allocated itself, with no insert or
// replace logged on that page since, filled it without logging: the log alone
// cannot rebuild it. Small bulk transactions that never split a page they
// allocated leave no trace; only a kept announcement (--hold-hotbackup)
// covers those. Thread-safety: a pure function of the files it reads.
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
