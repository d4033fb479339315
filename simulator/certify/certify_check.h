// `bdbsim certify check`: after the power came back, judges the device by
// its environment PATH/env against the run's ack file (kept by the listener
// on another machine). Steps: page checksums of every database as the cut
// left them; normal recovery (DB_RECOVER, in the bdbackup-recover helper, so
// an environment that crashes Berkeley DB is a FAIL, not a crash); page
// checksums again; then the simulator's oracle (simulator/harness/oracle.h,
// in its own process: oracle_process.h) with the ack file as its ledger:
// every acknowledged commit present with its exact values (every value read
// back and compared byte for byte), nothing partial or aborted visible, no
// hole in commit order, DB->verify of every database. PASS only when all of it holds. Plain function; the caller
// guarantees nothing else uses PATH/env.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "simulator/certify/ack_file.h"
#include "simulator/certify/device_measure.h"
#include "simulator/certify/page_scan.h"

namespace bdb::sim::certify {

struct CheckOptions {
  std::string dir;       // PATH given to run
  std::string ack_file;  // the run's ack file, copied from the listener
  // The oracle reads the environment in `bdbsim __oracle` (simulator/harness/oracle_process.h),
  // so Berkeley DB crashing on a damaged database is a finding, not the end of check.
  std::string bdbsim_binary;
};

struct LostCommit {
  uint64_t txn = 0;
  uint64_t position = 0;           // 1-based place in the ack file
  int64_t device_unix_ms = 0;      // when commit returned on the device
  int64_t listener_unix_ms = 0;    // when the listener recorded it
};

struct CheckResult {
  bool pass = false;
  std::string reason;            // one line: why PASS or FAIL
  std::string run_id, peer;
  std::string checked_at;        // ISO 8601 UTC
  int64_t hello_unix_ms = 0;
  uint64_t acknowledged = 0;     // acknowledgements in the ack file
  uint64_t present = 0;          // of those, present with exact values
  uint64_t lost = 0;             // not present at all (or unreadable: the environment did not recover)
  uint64_t corrupted = 0;        // present but wrong: a value differs, the txn is partial, a slot is stale
  uint64_t extra = 0;            // committed but not acknowledged to the listener (allowed)
  uint64_t records = 0;          // records read back
  bool recovered = false;
  std::string recovery_error;
  PageScan before_recovery, after_recovery;
  std::vector<std::string> problems;  // the oracle's findings, one line each (at most 100)
  uint64_t problems_omitted = 0;
  std::optional<LostCommit> first_lost;
  DeviceMeasurement device;      // from the run's M line, if it measured
  double commits_per_s = 0;      // acknowledgement rate over the run
  double run_seconds = 0;        // first to last acknowledgement
  // Acknowledgements over the run, by the device's clock: how many fell in
  // each bucket of bucket_ms (100 ms or more, at most 600 buckets).
  std::vector<uint64_t> acks_per_bucket;
  uint64_t bucket_ms = 100;
  nlohmann::json workload;       // the run's workload configuration
  // Pages failing their checksum: after recovery, or as the cut left them when recovery failed.
  uint64_t torn_pages() const { return recovered ? after_recovery.bad_count : before_recovery.bad_count; }
  std::string Summary() const;   // "PASS: 1234 acknowledged, 1234 present, 0 lost, 0 corrupted, 0 torn pages"
};

// Non-OK only when the check could not be made: NotFound / Corruption for the
// ack file, InvalidArgument when PATH does not exist, Busy when a process
// still has PATH/env open (the run was not cut). A device that lost
// everything, or whose environment does not recover, is a FAIL result.
Status CheckCertification(const CheckOptions& options, CheckResult* result);

}  // namespace bdb::sim::certify
