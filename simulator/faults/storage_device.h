// Storage device models for a simulated power cut, built on the power-loss
// journal (power_loss_journal.h: one journal, one file-system model). What
// published studies of SSDs under power faults found devices do, each with a
// volatile write cache holding the latest writes (volatile_cache_bytes of
// them, newest first) that the cut loses unless the device kept its promises:
//   honest          fsync flushes the cache: exactly ApplyPowerLoss in mode
//                   "none" (the scenarios' model): every write an fsync
//                   covered survives, every later one is lost.
//   lying fsync     fsync returns at once and keeps nothing: the cache's
//                   writes are lost whether fsynced or not (older writes
//                   were written back and survive as on an honest device).
//   reorder writes  the device writes its cache back newest first and the
//                   cut comes part way (a seeded share of 25-75% of the
//                   cache's bytes written back): later writes survive while
//                   earlier, fsynced ones do not.
// Plain functions; deterministic for (journal, seed, device).
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "simulator/faults/power_loss_journal.h"

namespace bdb::sim {

enum class DeviceBehaviour { kHonest, kLyingFsync, kReorderWrites };
const char* DeviceBehaviourName(DeviceBehaviour b);  // "honest", "lying-fsync", "reorder-writes"

struct StorageDevice {
  DeviceBehaviour behaviour = DeviceBehaviour::kHonest;
  uint64_t volatile_cache_bytes = 1 << 20;
};

struct DeviceCutResult {
  PowerLossResult cut;
  uint64_t cached_changes = 0;       // changes still in the volatile cache at the cut
  uint64_t synced_changes_lost = 0;  // changes an fsync covered that did not survive
  uint64_t later_changes_kept = 0;   // changes kept although an earlier synced one was lost
  std::string Describe() const;      // one line for reports
};

// Rewrites the environment at home (its workload dead) as a cut on this
// device would leave it. Errors as ApplyPowerLoss.
Status ApplyDevicePowerCut(const std::string& journal_path, const std::string& home, uint64_t seed,
                           const StorageDevice& device, DeviceCutResult* result);

}  // namespace bdb::sim
