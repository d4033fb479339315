// The power-loss journal's record format, shared by its two writers (BDB's
// db_env_set_func_* hooks in power_loss_journal.cc, the engine's FileIO in
// journal_writer.cc) and its reader (ApplyPowerLoss). Internal to faults/.
// A record is a RecordHeader, then its path, then `old_len` bytes (a write's
// or truncate's old bytes; a rename's or unlink's kept copy of the file it
// replaced or removed), then `length` bytes (a write's new bytes, a rename's
// new path). Records are ordered by their offset in the journal (O_APPEND,
// one write(2) per record), whichever process wrote them.
#pragma once

#include <cstdint>
#include <string>

namespace bdb::sim {

enum RecordType : uint32_t {
  kWrite = 1,
  kSync = 2,
  kTruncate = 3,
  kRename = 4,
  kUnlink = 5,
  kCreate = 6,
  // Added for the engine's FileIO (the repository side):
  kDirSync = 7,  // fsync of a directory: path is the directory
  kMkdir = 8,
  kRmdir = 9,
};
inline constexpr uint32_t kLastRecordType = kRmdir;
constexpr uint32_t kRecordMagic = 0x4A4C5031;  // "1PLJ"

// Who made a create, rename or unlink, in RecordHeader::offset (unused by
// those records before): BDB's hooks (0; BDB never fsyncs a directory: its
// names follow the scenario's BdbNames, power_loss_journal.h) or the engine's
// FileIO (the directory model of namespace_rollback.h applies). Both keep a
// hard link to a file they unlink or rename over (its path in the old part;
// BDB's hooks in "<journal>.bdb-kept/") when they can.
inline constexpr uint64_t kOriginBdb = 0;
inline constexpr uint64_t kOriginFileIO = 1;

// Fixed part of a journal record; followed by path, then old bytes, then new
// bytes (writes) or the second path (renames).
struct RecordHeader {
  uint32_t magic;
  uint32_t type;
  uint64_t seq;        // the writing process's own order, from 1 (the journal offset orders records)
  uint64_t offset;     // write: offset; truncate: new size; create/rename/unlink: origin (kOrigin*)
  uint64_t length;     // write: bytes written (new bytes follow); rename: length of the new path
  uint64_t old_size;   // file size before the operation
  uint64_t sync_upto;  // sync, dir sync: every record starting below this journal offset was written before the fsync began
  uint32_t path_len;
  uint32_t old_len;    // write/truncate: old bytes saved; rename/unlink: length of the kept copy's path
};

}  // namespace bdb::sim

namespace bdb::sim {

// One record read back from a journal.
struct ParsedRecord {
  RecordHeader h;
  uint64_t at = 0;       // offset of the record in the journal: its place in the order of all processes
  std::string path;      // the file's name at the end of the journal (through every later rename); "" if a later
                         // rename or unlink replaced or removed it (its bytes are gone with it)
  std::string raw_path;  // the name the operation used
  std::string to;        // rename: the new name as the operation used it
  std::string kept;      // rename/unlink: the kept copy of the replaced or removed file ("" = none)
  size_t old_at = 0;     // offsets into the journal buffer
  size_t new_at = 0;
};

}  // namespace bdb::sim
