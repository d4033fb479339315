// Scans every page of every Berkeley DB database file in an environment
// directory (and its data directory) with BDB's own page checksum
// (engine/copy/page_checksum.h), as `bdbackup verify` checks copied pages: a page
// whose checksum does not match was torn or corrupted on the device. Files
// that are not databases (logs, DB_CONFIG, region files) are skipped.
// Plain function; the caller guarantees no process writes the files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace bdb::sim::certify {

struct BadPage {
  std::string file;  // relative to the scanned home
  uint64_t page = 0;
};

struct PageScan {
  uint64_t databases = 0;
  uint64_t pages = 0;          // pages checked
  uint64_t unchecked = 0;      // pages without a checksum to check
  std::vector<BadPage> bad;    // checksum mismatches (at most 1000 listed)
  uint64_t bad_count = 0;
};

// IOError naming a file that cannot be read.
Status ScanDatabasePages(const std::string& home, const std::string& data_dir, PageScan* out);

}  // namespace bdb::sim::certify
