// CheckLogCoverage: the invariant every file-level copy of a live environment
// must keep for recovery to work, checked before recovery runs: every page of
// every copied database carries an LSN that the copied logs reach (a page
// changed after the last copied log record cannot be redone or undone), and
// the copied log files are contiguous. A copy that breaks it is broken in
// every trial, whether or not a transaction happens to show the damage.
// Used by restore (and so verify) before catastrophic recovery, and by the
// simulator on external programs' backups. Thread-safe: no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/file_io.h"
#include "base/status.h"

namespace bdb {

struct UncoveredPage {
  std::string file;  // as given
  uint64_t page = 0;
  uint32_t lsn_file = 0, lsn_offset = 0;
};

struct LogCoverage {
  uint32_t first_log = 0, last_log = 0;  // 0: no log file
  // Where the copied logs end: the LSN of the last valid record in the last
  // copied log (a page stamped later cannot be recovered). BDB may leave a
  // log file longer than its records (zeroes or an older file's bytes past
  // the end), so this is read with BDB's own log cursor, not from the size;
  // when the logs cannot be read that way (an encrypted log without its
  // password), the file's size bounds it instead.
  uint32_t end_file = 0, end_offset = 0;
  bool end_from_records = false;  // false: end_offset is the last log's size - 1
  std::vector<uint32_t> missing_logs;    // numbers between first and last that were not copied
  uint64_t pages_checked = 0;
  uint64_t uncovered_pages = 0;
  std::vector<UncoveredPage> examples;  // the first few uncovered pages
  bool ok() const { return missing_logs.empty() && uncovered_pages == 0; }
  // The first problem, naming file, page and LSN: "database 'a.db' page 12
  // has LSN [3][40][...]": "" when ok().
  std::string Describe() const;
};

// Reads every page of each database (whole files, in page-size multiples) and
// the last record of the newest log file (paths whose names are log file
// names; that file is read alone, through a link in a scratch directory).
// IOError when a file cannot be read; a database whose metadata page is not
// BDB's is InvalidArgument naming it.
Status CheckLogCoverage(FileIO* io, const std::vector<std::string>& database_paths,
                        const std::vector<std::string>& log_paths, LogCoverage* out);

}  // namespace bdb
