// SandboxKeeper: what a campaign keeps of its failing trials' sandboxes, and
// where. A trial that broke its scenario's expectation leaves its sandbox
// (environment, repository, restores, journals) for replay and inspection;
// the keeper holds those within a bound, at most `max_count` sandboxes and
// `max_bytes` bytes on disk, dropping the oldest kept first to make room for
// a newer one. A sandbox made on a file system that lives in memory (tmpfs,
// ramfs: the default root /dev/shm) is moved to a directory on disk once
// kept, so a long campaign never fills memory with kept sandboxes. Each
// trial's result says where its sandbox is (sandbox, sandbox_bytes) or why it
// was dropped (sandbox_dropped).
// Thread-safety: Offer may be called from every worker thread of a campaign;
// it serializes the keeping (moves included) on one mutex.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

#include "base/status.h"
#include "simulator/report/trial_result.h"

namespace bdb::sim {

inline constexpr int kDefaultKeptSandboxes = 8;
inline constexpr uint64_t kDefaultKeptSandboxMib = 2048;

struct KeepBound {
  int max_count = kDefaultKeptSandboxes;
  uint64_t max_bytes = kDefaultKeptSandboxMib << 20;
};

// True when the file system holding path (or, for a path not made yet, its
// nearest existing ancestor) keeps its files in memory: tmpfs or ramfs.
bool OnMemoryFileSystem(const std::string& path);

// The bytes a tree occupies on its file system (allocated blocks, each inode
// once, symbolic links not followed); 0 for a path that does not exist.
uint64_t TreeBytes(const std::string& path);

// Where a campaign whose report goes to report_dir keeps the sandboxes that
// ran on a memory file system: the first of <report_dir>/sandboxes,
// $XDG_CACHE_HOME/bdbsim/sandboxes (default ~/.cache/bdbsim/sandboxes),
// $TMPDIR/bdbsim-sandboxes and /var/tmp/bdbsim-sandboxes that is on disk;
// "" when none is (kept sandboxes then stay where they are, within the bound).
// report_dir "" (bdbsim replay): the others only.
std::string DiskDirectoryForKeptSandboxes(const std::string& report_dir);

// Moves the tree at from to to (which must not exist): a rename, or across
// file systems a copy (directories, regular files with their modes, symbolic
// links) then the source removed. On failure nothing is left at to.
Status MoveTree(const std::string& from, const std::string& to);

class SandboxKeeper {
 public:
  // disk_dir: where sandboxes on a memory file system go once kept (created
  // 0700 when first needed); "" keeps them in place.
  SandboxKeeper(KeepBound bound, std::string disk_dir);
  SandboxKeeper(const SandboxKeeper&) = delete;
  SandboxKeeper& operator=(const SandboxKeeper&) = delete;

  // result->sandbox names a kept sandbox ("" = nothing to do). Keeps it
  // (moved to disk_dir when it is in memory; result->sandbox then names the
  // new place) and drops the oldest kept sandboxes the bound needs gone, or
  // drops this one (too large on its own, a bound of 0, a failed move). A
  // dropped sandbox is removed and its result's sandbox cleared, with the
  // reason in sandbox_dropped. REQUIRES: *result outlives the keeper, and no
  // other thread touches it from this call on.
  void Offer(TrialResult* result);

 private:
  // Removes the sandbox of `result` and records why.
  void Drop(TrialResult* result, const std::string& why);

  const KeepBound bound_;
  const std::string disk_dir_;
  std::mutex mu_;
  std::deque<TrialResult*> kept_;  // oldest first
  uint64_t kept_bytes_ = 0;
};

}  // namespace bdb::sim
