// The transactional workload that runs INSIDE the bdbsim-workload process:
// opens (or creates) the environment at config.home with a.db (btree) and
// b.db (hash), then `threads` writers commit deterministic transactions
// (simulator/payload.h) until `txns` commits were acknowledged, announcing
// each step on out_fd with one write(2) per line (see ack_ledger.h).
// Not reentrant: call once per process (the power-loss hooks are global).
#pragma once

#include <cstdint>

#include "base/status.h"
#include "simulator/workload/workload_config.h"

namespace bdb::sim {

struct WorkloadStats {
  uint64_t acked = 0;
  uint64_t aborted = 0;           // on purpose
  uint64_t deadlock_retries = 0;  // txns aborted by deadlock detection and retried
  uint64_t checkpoints = 0;
};

// Writes DB_CONFIG (unless present) and creates home and home/log. IOError on failure.
Status PrepareWorkloadHome(const WorkloadConfig& config);

// Runs the workload to its target; then, with hold_after_done, sleeps until
// killed (or until its parent dies). IOError "<BDB call> failed: <BDB text>"
// when BDB fails for any reason other than a deadlock.
Status RunWorkload(const WorkloadConfig& config, int out_fd, WorkloadStats* stats);

}  // namespace bdb::sim
