// The workload side of power-loss simulation: InstallIoHooks routes BDB's
// file I/O through db_env_set_func_* hooks that append, before every write,
// the range's OLD and NEW bytes and the file's size to an undo/redo journal
// (append-only, never fsynced: it lives outside the environment and survives
// SIGKILL in the page cache), and record each fsync that returned 0. The
// hooks can also SIGKILL the process at the n-th write (a seeded logical
// crash point) and fail a write or fsync at a libfiu point. What the harness
// does with the journal after the kill: power_loss_journal.h.
// Hooks are process-global and thread-safe (one mutex serializes hooked
// writes so journal order is write order).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "base/status.h"

namespace bdb::sim {

class FileOpJournal;  // journal_writer.h

struct IoHookOptions {
  std::string home;            // paths in the journal are relative to it when inside it
  std::string journal_path;    // "" = do not journal (counting / crash only)
  uint64_t crash_at_write = 0; // 0 = never; else SIGKILL self before the n-th hooked write
  // Append to the journal (created if missing) instead of starting a new one: another
  // process that works on the same environment (the backup agent's checkpoint
  // flushes and fsyncs the workload's pages) journals into the workload's
  // journal, so a power cut honours its fsyncs too. Records are ordered by
  // their place in the journal (O_APPEND), not by process.
  bool append = false;
  // Record paths inside home as absolute paths, not relative to it: the
  // simulator's recovery helper (tools/bdbsim_recover_main.cc) journals BDB's
  // writes to a restore target or standby (its home) into a journal whose
  // relative paths belong to the live environment.
  bool absolute_paths = false;
  // Called (under the hooks' lock) before each journaled write, truncate,
  // fsync, create, rename and unlink, with its kind ("write", "fsync", ...)
  // and journal path; may SIGKILL the process (a power cut). May be empty.
  std::function<void(const char* op, const std::string& path)> on_operation;
  // When set (with absolute_paths), BDB's creates, renames and unlinks are
  // journaled through it as the engine's own (origin FileIO, a replaced or
  // removed file kept): the directory model of namespace_rollback.h then
  // applies to them, as it does to whatever the engine writes. Not owned.
  FileOpJournal* namespace_journal = nullptr;
};

// libfiu points the hooks check before each journaled write and fsync (files of
// the environment, not region files): armed with IoErrorInjector::ArmPoint,
// the call fails with the errno of failinfo (kShortWriteFlag: a write stores
// half its bytes first), as a failing disk would make it fail under BDB.
inline constexpr const char* kWorkloadWritePoint = "bdbsim/workload/io/write";
inline constexpr const char* kWorkloadFsyncPoint = "bdbsim/workload/io/fsync";
// Starts the stderr line the hooks print when one of those points fires.
inline constexpr const char* kInjectedFailureMarker = "injected failure at ";

// Installs the open, pwrite, write, ftruncate, fsync, rename and unlink hooks.
// REQUIRES: called once, before the first DB_ENV is created. Writes to region
// files (__db.*) and to files outside home are passed through without
// journaling or counting.
// IOError "unable to open file '<journal>': <why>".
Status InstallIoHooks(const IoHookOptions& options);

// Hooked writes (pwrite + write + ftruncate to non-region files) so far.
uint64_t HookedWriteCount();
// Hooked writes to database files (not logs) so far: pages the workload wrote.
uint64_t HookedDataWriteCount();
// Arms a crash at the n-th hooked write from now (SIGKILL, as crash_at_write).
// Async-signal-safe (one lock-free atomic store): a signal handler may call it.
void ArmCrashAfterWrites(uint64_t n);
// Successful hooked fsyncs so far.
uint64_t HookedSyncCount();

}  // namespace bdb::sim
