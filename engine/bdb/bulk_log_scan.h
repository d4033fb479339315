// FindUnloggedBulkInserts: the traces an unannounced DB_TXN_BULK transaction
// leaves in the log (BDB marks nothing): it logs the leaf pages it allocates
// by extending the file and the splits that made them, but not its inserts on
// them. Every page such a split makes is followed through the logged inserts,
// deletes and replacements on it (whoever logs them), counting its entries.
// Three traces follow in the log. A committed transaction that splits a
// followed page still stamped as the log left it, whose image in the split
// record holds more entries than the log put there, filled it unlogged (a
// page with no insert logged on it proves nothing: BDB's one-sided splits,
// of sorted appends and of the root, leave a page an ordinary transaction
// allocated nearly full, and a larger replacement may split it next). A
// committed transaction whose leaf split moved entries onto a page it
// allocated by extension, where the next insert it logs is not on one of the
// split's halves (or there is none before its commit), did not log the
// insert that caused the split: BDB retries that insert right after the
// split, and logs it in every other transaction. A logged insert on a
// followed page at an index past the entries the log put there shows
// entries no record made.
// Mostly not in the log: a bulk transaction whose split-causing insert went
// to the old half (logged) and which later inserted onto the new half,
// unlogged, without splitting it again. FindPagesFilledAfterTheirSplit finds
// it on the live files while the page still carries the stamp the log left
// it.
// Transactions: a child's records carry its own id; its __txn_child record
// (its commit) hands its trace to its parent, whose commit decides. A
// transaction's first record (prev_lsn [0][0]) starts its trace afresh, and
// a __txn_recycle record drops every trace: BDB 5.3 logs nothing when it
// aborts an unprepared transaction, and gives its id out again (after a
// recovery, ids start over).
// Limits: a retried insert that failed (DB_LOCK_NOTGRANTED under
// DB_TIME_NOTGRANTED, or ENOSPC) and whose transaction committed without it
// makes the second trace refuse an ordinary transaction (a false refusal,
// with the remedy, never a silent loss). Not detected: a bulk transaction
// creating a subdatabase (its root page allocated by extension, inserts on it
// unlogged without a split), off-page duplicate pages (P_LDUP), and pages
// taken from the free list above the watermark. The live check reads one
// page header (one pread) per tracked page per btree file.
// Measured (tests/bench/bulk_residual.sh; the runs are in
// reports/reference/history.md, "Bulk transactions"): of 300 random small bulk
// transactions (215 leaving inserts unlogged) the first trace alone let 166
// chains publish that restored without records, both split traces 19, all
// the checks 0; with 20 ordinary transactions after each bulk one, the first
// trace alone let 64 lose records and 36 crash recovery, all the checks
// none. No transaction that logged every insert was refused. (First
// measured with the first trace as "a split of an allocated page with no
// insert logged on it"; with the exact first trace: 215 refused, 0 lost; and
// 134 of 134 with the ordinary transactions after.)
// Thread-safety: a pure function of the files it reads.
#pragma once

#include <cstdint>
#include <string>

#include <vector>

#include "base/file_io.h"
#include "engine/repository/manifest.h"
#include "engine/repository/repository.h"
#include "base/status.h"

namespace bdb {

// Scans every record of the log files in log_dir (read through a private,
// log-only DB_ENV that writes nothing there; with no log file there, nothing
// is opened: BDB would create one). *found describes the first
// transaction committed after `after` that shows the trace ("transaction
// 80000003 committed at [4][1234] filled page 3 of file id 0 without logging
// it"), or is "" when none does. IOError when the log cannot be read.
// until_unix_seconds >= 0: commits stamped later are ignored (a recovery to
// that time never replays them).
//
// new_pages (optional): for every transaction committed after `after` (and
// not past until_unix_seconds), each page one of its leaf splits moved
// entries onto and that it allocated by extending the file, with what the
// split left there, followed through the logged inserts, deletes and
// replacements made on it since (whoever made them). Input to
// FindPagesFilledAfterTheirSplit. A logged insert on such a page at an index
// past the entries the log put there is a third trace in the log itself.
struct SplitPage {
  uint32_t fileid = 0;
  uint32_t pgno = 0;
  ManifestLsn stamp;      // the last stamp followed: the split's record (BDB stamps both halves with it),
                          // or the last record followed since: a later split's of its left neighbour (which
                          // restamps it, changing only its prev pointer), a logged insert, delete or replacement
  uint32_t entries = 0;   // entries (index slots) the log put on the page by then
  uint32_t txnid = 0;
  ManifestLsn commit_lsn;
  ManifestLsn unlogged_proof;  // a logged insert past the entries the log put there, or a split of the page
                               // still so stamped whose image holds more ([0][0]: none)
  uint32_t proof_entries = 0;  // the entries that split's image held (0: the proof is an insert)
};
Status FindUnloggedBulkInserts(const std::string& log_dir, ManifestLsn after, std::string* found,
                               int64_t until_unix_seconds = -1, std::vector<SplitPage>* new_pages = nullptr);

// For the incremental, on the live database files (database_paths: every
// one the backup knows; a page is found by its LSN, not by its file id): a
// page still carrying the stamp the log left it (SplitPage::stamp) holds
// exactly the entries the log put there, since every logged change restamps
// it and an abort's undo restores entries and stamp together; more entries
// were inserted unlogged, by a DB_TXN_BULK transaction (BDB flushes its pages
// at commit). *found names the first such page ("" when none). Pages of
// byte-swapped or non-btree files are skipped; IOError when a file cannot be
// read.
Status FindPagesFilledAfterTheirSplit(FileIO* io, const std::vector<std::string>& database_paths,
                                      const std::vector<SplitPage>& new_pages, std::string* found);

// For verify and restore of a published chain (full backup first): every
// incremental is scanned from its parent's end. CheckFailed "backup '<id>' cannot be restored: ..." names the first
// that shows the trace (published by a bdbackup that did not look for it).
Status CheckChainForUnloggedBulkInserts(Repository* repo, const std::vector<Manifest>& chain);

}  // namespace bdb
