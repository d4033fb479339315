// RetentionPolicy and PlanRetention: which backups and archived logs `expire`
// keeps, as a pure function of the repository's manifests, its archived log
// numbers, the policy and the time. Nothing here touches the disk.
//
// Kept backups:
//   - the newest backup, always (expire never empties a repository);
//   - --keep-full N: the newest N full (cold or hot) backups and every
//     incremental whose chain starts at one of them;
//   - --keep-for D: every backup that started at or after now - D;
//   - --pin ID: that backup; and each pin recorded in the repository by an
//     earlier `expire --pin` (stored_pins) until `expire --unpin` releases it;
//   - --keep-pitr D: the newest full backup that started at or before now - D
//     (or, when none did, the oldest full backup) and every backup after it;
//   - and the whole chain (parent, grandparent, ..., full) of each kept backup.
// Kept archived logs (a log is needed when):
//   - a kept backup's chain spans its number (from the full backup's first log
//     to the backup's last) and no backup of that chain holds a copy of it;
//   - its number is at or after the newest backup's last log: those logs carry
//     the commits since the newest backup, which a restore rolls forward through;
//   - --keep-pitr D: its number is at or after the window's base backup's first log.
// Everything else is expired. Expired backups are listed newest first, the
// order in which they can be removed without any visible backup losing its
// parent.
// Thread-safety: pure functions and plain values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/repository/manifest.h"
#include "base/status.h"

namespace bdb {

struct RetentionPolicy {
  std::optional<uint32_t> keep_full;     // >= 1
  std::optional<int64_t> keep_for_ms;    // > 0
  std::optional<int64_t> keep_pitr_ms;   // > 0
  std::vector<std::string> pins;         // backup ids (--pin)
  std::vector<std::string> stored_pins;  // backup ids recorded in the repository (REPO/pins.json)
  // True when at least one of keep_full, keep_for_ms and keep_pitr_ms is set
  // (pins alone are no policy: they only add to one).
  bool HasRule() const { return keep_full || keep_for_ms || keep_pitr_ms; }
};

// A log range a kept chain needs, with the numbers its own backups hold.
struct ChainLogNeed {
  uint32_t first = 0, last = 0;  // inclusive
  std::set<uint32_t> held;       // numbers of log files in the chain's backups
};

struct RetentionPlan {
  std::vector<std::string> kept;                               // oldest first
  std::map<std::string, std::vector<std::string>> kept_because;  // id -> reasons, in rule order
  std::vector<std::string> expired;                            // newest first: the order of removal
  std::vector<uint32_t> expired_logs;                          // ascending
  std::vector<ChainLogNeed> chain_needs;
  std::optional<uint32_t> keep_logs_from;  // every archived log numbered >= this is kept
  // True when archived log `number` must be kept (whether or not it has a sidecar).
  bool LogNeeded(uint32_t number) const;
};

// REQUIRES: backups sorted by id (oldest first), each a parsed manifest.
// InvalidArgument "bad usage: expire needs --keep-full, --keep-for or
// --keep-pitr" without a rule; NotFound "backup '<id>' named by --pin is not
// in the repository" for a --pin that matches no backup (a stored pin whose
// backup is gone pins nothing).
Status PlanRetention(const std::vector<Manifest>& backups, const std::vector<uint32_t>& archived_logs,
                     const RetentionPolicy& policy, int64_t now_unix_ms, RetentionPlan* plan);

}  // namespace bdb
