// UpdateStandby: "recovery as you go", Berkeley DB's hot failover. Keeps
// REPO/standby a catastrophically recovered, ready-to-open copy of the newest
// backup chain. An incremental applies only its new logs (BDB's documented
// hot-failover step: replace the logs, run catastrophic recovery); anything
// else rebuilds the standby beside the old one and swaps it in. Its state
// lives in REPO/standby.json; a standby whose update was interrupted is
// rebuilt, never trusted. Recovery runs in the recovery helper process
// (recovery.h): a crash inside Berkeley DB is CheckFailed "recovery of the
// standby at backup '<ID>' crashed inside Berkeley DB: SIGSEGV"; a failed
// rebuild removes REPO/standby.partial, a failed update leaves the standby
// marked not ready.
#pragma once

#include <string>

#include "engine/engine_context.h"
#include "engine/repository/repository.h"

namespace bdb {

// REQUIRES: the repository lock is held; backup_id is published.
Status UpdateStandby(const EngineContext& ctx, Repository* repo, const std::string& backup_id);

// Reads REPO/standby.json: which chain the standby holds and whether it is ready.
struct StandbyState {
  std::string base;     // full backup id
  std::string applied;  // newest backup applied
  bool ready = false;
};
Status ReadStandbyState(FileIO* io, Repository* repo, StandbyState* state);

}  // namespace bdb
