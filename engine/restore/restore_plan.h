// RestorePlan: which file goes where when an environment is rebuilt from a
// backup chain (the full backup, its incrementals), the repository archive
// and optionally a live environment's log directory. Planning checks that the
// log sequence has no gap; executing copies every file and checks it against
// the checksum the manifest or archive recorded. Used by restore, verify's
// trial restore and the recover-as-you-go standby.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/engine_context.h"
#include "engine/repository/manifest.h"
#include "engine/repository/repository.h"

namespace bdb {

struct PlannedFile {
  std::string src;     // absolute source path
  std::string rel;     // path relative to the restored home
  std::string kind;    // "database" | "log" | "config"
  std::string xxh3;    // expected checksum; "" for live logs (nothing recorded)
  uint64_t size = 0;   // expected size when xxh3 is set
  std::string origin;  // "backup <id>", "archive" or "live environment"
};

struct RestorePlan {
  std::vector<PlannedFile> files;
  uint32_t first_log = 0, last_log = 0;
  std::vector<std::string> notes;  // e.g. why the log sequence stops where it does
};

// REQUIRES: chain is a full backup followed by its incrementals, oldest first.
// live_log_dir may be "" (no live logs). CheckFailed names the first missing log.
Status PlanRestore(FileIO* io, Repository* repo, const std::vector<Manifest>& chain, const std::string& live_log_dir,
                   RestorePlan* plan);

// Whether the copies must survive a crash: a restore and the standby fsync
// every file and directory they wrote; a scratch copy removed afterwards
// (verify's trial restore, check's recovery point) need not.
enum class RestoreDurability { kDurable, kScratch };

// Copies every planned file into target (which must exist), checking sizes and
// checksums; Corruption names the damaged or missing file. kDurable: every
// copy is fsynced in one batch after the last (the kernel writes them back
// meanwhile, as for cp followed by sync), then the directories, deepest first.
// When a file is missing or damaged, *failed (if given) points at its entry in plan.
Status ExecuteRestorePlan(const EngineContext& ctx, const RestorePlan& plan, const std::string& target,
                          RestoreDurability durability = RestoreDurability::kDurable,
                          const PlannedFile** failed = nullptr);

// Before recovery: every database page laid out in `target` carries an LSN
// the laid-out logs reach, and the logs are contiguous (log_coverage.h); else
// recovery would silently miss changes. CheckFailed "backup '<ID>' cannot be
// recovered: database '<file>' page N has LSN [f][o] ...".
Status CheckPlannedLogsCoverPages(FileIO* io, const RestorePlan& plan, const std::string& target,
                                  const std::string& backup_id);

// Creates the parent directories of rel under root (0700).
Status MakeParentDirs(FileIO* io, const std::string& root, const std::string& rel);

}  // namespace bdb
