// CheckRepositoryHealth: what a monitoring system asks of a repository run
// from cron for years ("is my newest backup good and recent?"): the age of
// the newest backup and of the newest archived log against limits, whether
// the latest backup's chain is complete (every backup, every file with its
// recorded size, no gap in the logs), the recovery point (newest commit a
// restore of the latest backup reaches, recovery_point.h), and the last
// verify's result (verify_record.h). Reads only; takes no lock.
// Thread-safety: a free function.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine_context.h"

namespace bdb {

struct HealthRequest {
  std::string repo;
  std::optional<int64_t> max_age_ms;          // newest backup's end older than this: a problem
  std::optional<int64_t> max_archive_lag_ms;  // newest archived log older than this (or none): a problem
  std::string scratch_dir;                    // for the recovery point's log copies; "" = $TMPDIR or /tmp
};

struct HealthReport {
  std::string repository;
  int64_t now_unix_ms = 0;
  size_t backups = 0;
  std::string newest_backup;             // "" when there is none
  int64_t newest_backup_end_unix_ms = 0;
  size_t archived_logs = 0;
  uint32_t newest_archived_log = 0;      // 0 when the archive is empty
  int64_t newest_archived_unix_ms = 0;
  bool chain_complete = false;
  std::string chain_problem;             // why not, "" when complete
  size_t chain_length = 0;
  uint32_t chain_first_log = 0, chain_last_log = 0;  // the logs a restore of the latest uses
  std::optional<int64_t> recovery_point_unix_s;
  std::string recovery_point_problem;    // why it is unknown, "" otherwise
  bool verified = false;                 // a verify was recorded
  bool last_verify_ok = false;
  std::string last_verify_backup, last_verify_problem;
  int64_t last_verify_unix_ms = 0;
  std::vector<std::string> problems;     // empty: healthy
  std::string line;                      // the one-line summary
};

// Fills *report whatever the repository's state (problems go into
// report->problems and the line); returns an error only when the repository
// cannot be read at all (NotFound, InvalidArgument for a non-repository, IOError).
Status CheckRepositoryHealth(const EngineContext& ctx, const HealthRequest& request, HealthReport* report);

// The report in the Prometheus text exposition format (gauges named
// bdbackup_*, labelled with the repository), for node_exporter's textfile collector.
std::string HealthAsPrometheus(const HealthReport& report);

}  // namespace bdb
