// Bulk-optimized transactions (DB_TXN_BULK) for tests: BDB 5.3 does not log
// the contents of inserts on pages such a transaction allocates, so database
// files copied before them plus the log after them make a backup that
// catastrophic recovery cannot rebuild (BDB 5.3.28 then crashes with SIGSEGV,
// as db5.3_recover -c does on the same files). Thread-safety: plain function.
#pragma once

#include <string>

#include "base/status.h"

namespace bdb {

// Opens the transactional environment at home (it must not be open elsewhere
// in this process), inserts n records with keys "bulk-<first..first+n-1>" and
// 200-byte values into the btree db_file, 1,000 per DB_TXN_BULK transaction,
// and closes it.
Status CommitBulkRecords(const std::string& home, const std::string& db_file, int first, int n);

}  // namespace bdb
