// CopyPacer: holds a copy to a read rate (bytes a second), for backups on a
// disk the application needs (bdbackup backup --max-rate, like Berkeley DB's
// DB_BACKUP_READ_SLEEP and XtraBackup's --throttle). The copier reports each
// batch it read; the pacer sleeps until the bytes so far fit the rate since
// the pacer was made (when the backup began reading), so the average stays at
// the rate whatever the batch size.
// One pacer spans every file of a backup. Not thread-safe: one copy at a time.
#pragma once

#include <chrono>
#include <cstdint>

namespace bdb {

class CopyPacer {
 public:
  // REQUIRES: bytes_per_second > 0.
  explicit CopyPacer(double bytes_per_second)
      : bytes_per_second_(bytes_per_second), start_(std::chrono::steady_clock::now()) {}

  // Counts bytes just read; returns once reading them kept to the rate.
  void Pace(uint64_t bytes);

  // Time spent sleeping so far (what the limit cost).
  std::chrono::nanoseconds slept() const { return slept_; }

 private:
  double bytes_per_second_;
  std::chrono::steady_clock::time_point start_;
  uint64_t bytes_ = 0;
  std::chrono::nanoseconds slept_{0};
};

}  // namespace bdb
