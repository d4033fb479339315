// LogLocator: finds a log file by number in the places a log can be: the live
// environment's log directory or the repository archive (where archive moved
// it). Used by hot and incremental backups, whose logs may be archived while
// they run by another tool. Thread-safety: not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/file_io.h"
#include "engine/repository/repository.h"

namespace bdb {

struct LocatedLog {
  std::string path;
  bool from_archive = false;
  std::string archived_xxh3;  // recorded checksum when from the archive
  uint64_t archived_size = 0;
};

class LogLocator {
 public:
  LogLocator(FileIO* io, std::string live_log_dir, Repository* repo);
  // NotFound "log file 'log.0000000007' is neither in '<logdir>' nor in the archive" when absent.
  Status Locate(uint32_t number, LocatedLog* out);

 private:
  FileIO* io_;
  std::string live_log_dir_;
  Repository* repo_;
  bool archive_loaded_ = false;
  std::vector<ArchivedLog> archived_;
};

}  // namespace bdb
