// I/O errors through real libfiu, two ways. In process: FiuFileIO wraps a
// FileIO and asks libfiu at the named points of kIoFaultPoints before each
// call; IoErrorInjector arms a point to fail exactly its n-th call (a seeded,
// replayable countdown through fiu_enable_external) or at random. Out of
// process: FiuRunPrefix builds the `fiu-run -x -c ...` command prefix that
// runs a real binary under libfiu's POSIX preload (kPosixFaultPoints).
// Thread-safety: libfiu points are process-wide; the countdown table is locked.
// Arm at most one injector per point at a time.
#pragma once

#include <array>
#include <cerrno>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/enum_names.h"
#include "base/file_io.h"
#include "simulator/faults/fault_schedule.h"

namespace bdb::sim {

enum class IoOp { kOpen, kRead, kWrite, kFsync, kRename };
// Its one spelling (scenario files' io_error.point, the agent's JSON).
inline const EnumNames<IoOp> kIoOpNames = {
    {"read", IoOp::kRead}, {"write", IoOp::kWrite}, {"fsync", IoOp::kFsync}, {"rename", IoOp::kRename}, {"open", IoOp::kOpen}};

struct IoFaultPoint {
  IoOp op;
  std::string_view name;        // checked by FiuFileIO
  std::string_view posix_name;  // the POSIX preload's point for the same call in PosixFileIO
};

// The one table of named I/O fault points. The POSIX names are those of Debian's
// libfiu 1.1 (function_list); PosixFileIO reads with pread(2), appends with write(2).
inline constexpr std::array<IoFaultPoint, 5> kIoFaultPoints = {{
    {IoOp::kOpen, "bdbackup/io/open", "posix/io/oc/open"},
    {IoOp::kRead, "bdbackup/io/read", "posix/io/rw/pread"},
    {IoOp::kWrite, "bdbackup/io/write", "posix/io/rw/write"},
    {IoOp::kFsync, "bdbackup/io/fsync", "posix/io/sync/fsync"},
    {IoOp::kRename, "bdbackup/io/rename", "posix/io/dir/rename"},
}};
const IoFaultPoint& FaultPointFor(IoOp op);

// failinfo of a bdbackup/io point: the errno in the low 16 bits (0 means EIO),
// plus kShortWriteFlag to make a write store half its data before failing.
inline constexpr uintptr_t kShortWriteFlag = 0x10000;

// True if libfiu fails `point` now; then *error is failinfo's errno (EIO if
// 0) and *short_write its kShortWriteFlag. The one decoder of that failinfo.
bool FiuPointFails(const char* point, int* error, bool* short_write);

struct IoFault {
  IoOp op = IoOp::kRead;
  uint64_t nth_call = 1;    // 1-based: the n-th check of the point fails
  uint64_t fail_calls = 1;  // consecutive failing calls from the n-th on
  int error = EIO;
  bool short_write = false;  // kWrite only
};

// One fault drawn from the seed: op among ops, nth_call in [1, max_nth], ENOSPC
// for half the writes (a short write for half of those), else EIO.
// REQUIRES: ops non-empty, max_nth >= 1.
IoFault DrawIoFault(uint64_t seed, const std::vector<IoOp>& ops, uint64_t max_nth);
// "read #3 fails with EIO", "write #2 fails with ENOSPC after a short write".
std::string DescribeIoFault(const IoFault& fault);

// Arms and disarms libfiu points; disarms all of its points when destroyed.
class IoErrorInjector {
 public:
  IoErrorInjector();
  ~IoErrorInjector();
  IoErrorInjector(const IoErrorInjector&) = delete;
  IoErrorInjector& operator=(const IoErrorInjector&) = delete;

  // The n-th check of the op's point (counted from now) fails, deterministically.
  // InvalidArgument "invalid i/o fault: <why>"; IOError if libfiu refuses.
  Status Arm(const IoFault& fault);
  // The same for any libfiu point of this process (e.g. the workload's
  // kWorkloadWritePoint), fault.op naming the kind of call it guards.
  Status ArmPoint(const std::string& point, const IoFault& fault);
  // Each check fails with the given probability (libfiu's own PRNG: not replayable).
  Status ArmRandom(IoOp op, float probability, int error);
  void Disarm(IoOp op);
  void DisarmPoint(const std::string& point);
  void DisarmAll();
  // Checks of the op's point seen since it was armed with Arm (0 if not armed so).
  uint64_t Checks(IoOp op) const;

 private:
  std::vector<std::string> armed_;  // point names
};

// Forwards to target; before open/read/write/fsync/rename asks libfiu whether
// the point fails and, if so, returns the error PosixFileIO would have returned
// (same message, errno from failinfo) and records it in log (may be null).
class FiuFileIO : public FileIOWrapper {
 public:
  FiuFileIO(FileIO* target, FaultLog* log);
  Status OpenForRead(const std::string& path, std::unique_ptr<ReadableFile>* out) override;
  Status CreateForWrite(const std::string& path, mode_t mode, std::unique_ptr<WritableFile>* out) override;
  Status SyncDir(const std::string& dir) override;
  Status Rename(const std::string& from, const std::string& to) override;

  // Returns true (and *error, *short_write) if the op's point fails now.
  bool PointFails(IoOp op, const std::string& what, int* error, bool* short_write);
  // The files of the calls that failed, in order (the first quoted path of
  // each call's description).
  std::vector<std::string> failed_paths() const;

 private:
  FaultLog* log_;
  mutable std::mutex mu_;
  std::vector<std::string> failed_paths_;
};

// One failure point for a binary run under fiu-run's POSIX preload.
struct PosixFault {
  std::string point;         // e.g. "posix/io/rw/write" (see kIoFaultPoints.posix_name)
  double probability = 1.0;  // 1.0: enable (every call fails)
  int error = 0;             // errno for the failing call; 0: libfiu picks one at random
};

// {"fiu-run", "-x", "-c", "enable_random name=posix/io/rw/write,probability=0.05,failinfo=28", ...}
// to put before the binary and its arguments. InvalidArgument
// "invalid posix fault: <why>" for an empty name, a name with ',' or '=' or a
// probability outside (0, 1].
Status FiuRunPrefix(const std::vector<PosixFault>& faults, std::vector<std::string>* argv);

}  // namespace bdb::sim
