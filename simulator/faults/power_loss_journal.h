// The harness side of power-loss simulation: the workload's hooks
// (power_loss_hooks.h) journal every write's old and new bytes and every
// fsync; after the kill, ApplyPowerLoss rewrites the environment's files to
// what a power cut would have left: their content at their last fsync plus
// all, none, or a seeded subset of the later writes (torn at 512-byte
// sectors), with the directory changes a cut loses undone. Also the journal's
// statistics and the per-write fates of the storage device models. Plain
// functions over the journal file; reentrant.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/enum_names.h"
#include "base/status.h"

namespace bdb::sim {

// What a journal holds, for tests and reports.
struct JournalStats {
  uint64_t writes = 0;     // pwrite and write records
  uint64_t syncs = 0;
  uint64_t truncates = 0;
  uint64_t creates = 0;    // files the workload created
  uint64_t renames = 0;
  uint64_t unlinks = 0;
  uint64_t dir_syncs = 0;  // directory fsyncs (the engine's FileIO)
  uint64_t mkdirs = 0;
  uint64_t rmdirs = 0;
  std::vector<std::string> files;  // every file written, sorted
};
// Corruption / IOError as for ApplyPowerLoss.
Status ReadJournalStats(const std::string& journal_path, JournalStats* stats);

enum class PowerLossMode { kAll, kNone, kSubset };
inline const EnumNames<PowerLossMode> kPowerLossModeNames = {
    {"all", PowerLossMode::kAll}, {"none", PowerLossMode::kNone}, {"subset", PowerLossMode::kSubset}};
// A name of kPowerLossModeNames; InvalidArgument "unknown power loss mode '<m>'".
Status ParsePowerLossMode(const std::string& text, PowerLossMode* mode);
const char* PowerLossModeName(PowerLossMode mode);

// What a cut does to the creates, renames and unlinks BDB's hooks made in the
// live environment (records of origin kOriginBdb; bdb_names_model.h):
//  kDurable: renames and unlinks are durable; a file never fsynced since its
//    creation loses its name (always in mode none, by a seeded draw in subset).
//  kOrdered: ext4/xfs journal ordering: each survives iff a successful fsync
//    (of any file or directory in the journal) began after it; the rest are
//    lost (none) or a seeded prefix of them in journal order kept (subset),
//    and undone in reverse order (a lost unlink brings the file back).
enum class BdbNames { kDurable, kOrdered };
inline const EnumNames<BdbNames> kBdbNamesNames = {{"durable", BdbNames::kDurable}, {"ordered", BdbNames::kOrdered}};
// A name of kBdbNamesNames; InvalidArgument "unknown bdb_names model '<m>'".
Status ParseBdbNames(const std::string& text, BdbNames* names);
const char* BdbNamesName(BdbNames names);

// A range of a file that a power cut lost (relative to home when inside it).
struct LostRange {
  std::string file;
  uint64_t offset = 0;
  uint64_t bytes = 0;
  bool torn = false;  // part of a write whose other sectors survived
};

struct PowerLossResult {
  uint64_t journal_records = 0;
  uint64_t unsynced_writes = 0;   // writes after their file's last fsync
  uint64_t kept_writes = 0;       // of those, kept whole
  uint64_t torn_writes = 0;       // kept in part
  uint64_t dropped_writes = 0;    // lost whole
  uint64_t ignored_tail_bytes = 0;// an incomplete last record (its write never ran)
  // Directory changes the engine made through its FileIO (journal_writer.h)
  // since their directory's last fsync, and how many of them the cut lost
  // (namespace_rollback.h); BDB's own creates are counted in lost only.
  uint64_t directory_changes = 0;
  uint64_t directory_changes_lost = 0;
  std::vector<std::string> lost_directory_changes;  // "rename 'a' -> 'b'", in journal order
  // BdbNames::kOrdered: BDB's creates, renames and unlinks after the
  // journal's last fsync, and how many of them the cut lost (not counted in
  // directory_changes above).
  uint64_t bdb_name_changes = 0;
  uint64_t bdb_name_changes_lost = 0;
  std::vector<LostRange> lost;    // in journal order (a lost directory change: 0 bytes)
  std::string Describe() const;   // one line for reports
};

// Rewrites the files under home (the environment the journal was recorded in,
// its workload dead) and the files outside it that the engine's FileIO
// journaled (the repository, a restore target) as a power cut would leave
// them: unsynced writes per mode, then the engine's directory changes per
// the model of namespace_rollback.h, BDB's own per BdbNames (kDurable here:
// BDB never fsyncs a directory, so a file the workload created and never
// fsynced is removed (mode none; in mode subset, by a seeded draw), listed in
// lost with 0 bytes). Same (journal, seed,
// mode) -> same result. Corruption "power loss journal '<p>' is corrupt at
// byte <n>: <why>"; IOError naming the file it could not rewrite.
Status ApplyPowerLoss(const std::string& journal_path, const std::string& home, uint64_t seed, PowerLossMode mode,
                      PowerLossResult* result);
// The same, with BDB's own directory entries following `names` (kDurable is
// the overload above).
Status ApplyPowerLoss(const std::string& journal_path, const std::string& home, uint64_t seed, PowerLossMode mode,
                      BdbNames names, PowerLossResult* result);

}  // namespace bdb::sim

// ---- Per-write fates, for storage device models (storage_device.h) ----
namespace bdb::sim {

// One journaled write or truncate of the environment, as a device model sees it.
struct JournaledChange {
  std::string file;            // relative to home, after renames
  uint64_t journal_offset = 0; // its place in the order of every process's changes
  uint64_t offset = 0;         // write: offset; truncate: the new size
  uint64_t bytes = 0;          // write: bytes written; truncate: 0
  bool truncate = false;
  bool synced = false;         // an fsync of its file that returned 0 began after it
};

enum class ChangeFate { kKept, kDropped, kTorn };

// Fills *fates with one fate per change (same order, same size).
using ChangeFateChooser = std::function<void(const std::vector<JournaledChange>& changes, std::vector<ChangeFate>* fates)>;

// A power cut on a device that decides itself what survived (lying fsync,
// reordered writes, a volatile cache): every change from the first one not
// kept on is undone, then the kept ones re-applied whole and the torn ones in
// part (512-byte sectors drawn from seed), in journal order. A file created
// after that point none of whose changes survived is removed, as its
// directory entry was never written. result counts and lists as
// ApplyPowerLoss does (unsynced_writes: changes with synced = false).
// Corruption / IOError as ApplyPowerLoss; InvalidArgument when choose returns
// the wrong number of fates.
Status ApplyPowerLossWithFates(const std::string& journal_path, const std::string& home, uint64_t seed,
                               const ChangeFateChooser& choose, PowerLossResult* result);

}  // namespace bdb::sim
