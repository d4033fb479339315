// Which of BDB's own creates, renames and unlinks in the live environment a
// power cut loses under BdbNames::kOrdered (power_loss_journal.h): the
// journal-ordering model of ext4 (data=ordered) and xfs. Their metadata
// journal commits directory operations in the order they were made, and an
// fsync of any file commits the running transaction with every metadata
// change before it (ext4_sync_file -> jbd2 commit; for a new inode the
// transaction holds its directory entry too); so a BDB create, rename or
// unlink survives iff some successful fsync (of any file or directory the
// journal records, one file system) began after it. The others are lost (mode
// none) or a seeded prefix of them, in journal order, is kept (mode subset: the
// journal may have committed part of the running transaction... in order).
// POSIX promises none of this; scenarios/README.md, "The file-system model of
// a cut", gives the sources and why no stricter "posix" model is offered for
// BDB. namespace_rollback.cc undoes the changes chosen here. Internal to faults/.
#pragma once

#include <cstdint>
#include <vector>

#include "simulator/faults/power_loss_journal.h"
#include "simulator/faults/power_loss_records.h"

namespace bdb::sim {

// BDB's directory changes (origin kOriginBdb creates, renames, unlinks) in
// `records`: appends to *lost those the cut loses, in journal order, and
// returns how many came after the journal's last fsync (lost or not).
// Same (records, seed, mode) -> same result.
uint64_t LostBdbNameChanges(const std::vector<ParsedRecord>& records, uint64_t seed, PowerLossMode mode,
                            std::vector<const ParsedRecord*>* lost);

// True for a create, rename or unlink made by BDB's hooks.
bool IsBdbNameChange(const ParsedRecord& r);

}  // namespace bdb::sim
