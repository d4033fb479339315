// The directory half of a power cut (ApplyPowerLoss calls it after the data
// half): which creates, renames, unlinks, mkdirs and rmdirs the engine made
// through its FileIO survive. The model (scenarios/README.md, "The file-system
// model of a cut", with its sources):
//  - a change to a directory's entries is durable once that directory was
//    fsynced after it (for a rename, either directory), and only then: an
//    fsync of the file itself does not make its name durable (POSIX; LazyFS
//    and RocksDB's FaultInjectionTestFS model it so; ext4 and xfs usually
//    commit it with the inode, which this model does not count on);
//  - every other change since the directory's last fsync may be lost: mode
//    "none" loses them all; "subset" keeps a seeded prefix of each
//    directory's unsynced changes, in their order (a journaling file system
//    commits a directory's changes in order), so a rename is all or nothing:
//    the file is under its old name or its new one;
//  - a lost change is undone on disk in reverse order: a lost create removes
//    the file, a lost mkdir the directory with everything in it, a lost
//    rename moves the file back (and brings back the file it replaced), a
//    lost unlink brings the file back (from the copy the journal kept).
// Records of BDB's own hooks (origin kOriginBdb) are not part of it: their
// rules stay those of ApplyPowerLoss, or, with BdbNames::kOrdered, those of
// bdb_names_model.h, whose lost changes are undone here with the engine's.
// Internal to faults/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "simulator/faults/power_loss_journal.h"
#include "simulator/faults/power_loss_records.h"

namespace bdb::sim {

// Undoes, under home, the directory changes of `records` the cut loses, and
// adds them to result (directory_changes, directory_changes_lost, lost with 0
// bytes, lost_directory_changes). Same (records, seed, mode) -> same result.
// IOError naming the path it could not restore.
// With BdbNames::kOrdered, BDB's creates, renames and unlinks that
// bdb_names_model.h loses are undone too (counted in bdb_name_changes*).
Status RollBackDirectoryChanges(const std::vector<ParsedRecord>& records, const std::string& home, uint64_t seed,
                                PowerLossMode mode, BdbNames names, PowerLossResult* result);

}  // namespace bdb::sim
