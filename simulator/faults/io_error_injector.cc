#include "simulator/faults/io_error_injector.h"

#include <fiu-control.h>
#include <fiu.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>

#include "base/crash_points.h"

namespace bdb::sim {
namespace {


// Countdowns of the points armed with IoErrorInjector::Arm, by point name.
// libfiu's external callback carries no user data, hence one table per process.
struct Countdown {
  uint64_t nth_call = 1;
  uint64_t fail_calls = 1;
  uint64_t checks = 0;
};
std::mutex& CountdownMutex() {
  static std::mutex* mu = new std::mutex();
  return *mu;
}
std::map<std::string, Countdown>& Countdowns() {
  static auto* table = new std::map<std::string, Countdown>();
  return *table;
}

int CountdownFails(const char* name, int* /*failnum*/, void** /*failinfo*/, unsigned int* /*flags*/) {
  std::lock_guard<std::mutex> lock(CountdownMutex());
  auto it = Countdowns().find(name);
  if (it == Countdowns().end()) return 0;
  Countdown& c = it->second;
  ++c.checks;
  return c.checks >= c.nth_call && c.checks < c.nth_call + c.fail_calls ? 1 : 0;
}

const char* OpName(IoOp op) {
  switch (op) {
    case IoOp::kOpen: return "open";
    case IoOp::kRead: return "read";
    case IoOp::kWrite: return "write";
    case IoOp::kFsync: return "fsync";
    case IoOp::kRename: return "rename";
  }
  return "unknown";
}

std::string ErrnoName(int err) {
  const char* name = strerrorname_np(err);
  return name != nullptr ? name : fmt::format("errno {}", err);
}

class FiuReadableFile : public ReadableFile {
 public:
  FiuReadableFile(std::unique_ptr<ReadableFile> file, FiuFileIO* io) : file_(std::move(file)), io_(io) {}
  Status Pread(uint64_t offset, size_t n, char* buf, size_t* got) override {
    int err = 0;
    bool short_write = false;
    if (io_->PointFails(IoOp::kRead, "read of " + Quote(path()), &err, &short_write))
      return Status::FromErrno(err, "unable to read file " + Quote(path()));
    return file_->Pread(offset, n, buf, got);
  }
  Status Size(uint64_t* size) override { return file_->Size(size); }
  const std::string& path() const override { return file_->path(); }

 private:
  std::unique_ptr<ReadableFile> file_;
  FiuFileIO* io_;
};

class FiuWritableFile : public WritableFile {
 public:
  FiuWritableFile(std::unique_ptr<WritableFile> file, FiuFileIO* io) : file_(std::move(file)), io_(io) {}
  Status Append(const char* data, size_t n) override {
    int err = 0;
    bool short_write = false;
    if (io_->PointFails(IoOp::kWrite, fmt::format("write of {} bytes to {}", n, Quote(path())), &err,
                        &short_write)) {
      // A short write: the first half reaches the file, then the retry fails.
      if (short_write) BDB_RETURN_IF_ERROR(file_->Append(data, n / 2));
      return Status::FromErrno(err, "unable to write file " + Quote(path()));
    }
    return file_->Append(data, n);
  }
  Status Sync() override {
    int err = 0;
    bool short_write = false;
    if (io_->PointFails(IoOp::kFsync, "fsync of " + Quote(path()), &err, &short_write))
      return Status::FromErrno(err, "unable to sync file " + Quote(path()));
    return file_->Sync();
  }
  void StartWriteback() override { file_->StartWriteback(); }
  Status Close() override { return file_->Close(); }
  const std::string& path() const override { return file_->path(); }

 private:
  std::unique_ptr<WritableFile> file_;
  FiuFileIO* io_;
};

}  // namespace

const IoFaultPoint& FaultPointFor(IoOp op) {
  for (const IoFaultPoint& p : kIoFaultPoints) {
    if (p.op == op) return p;
  }
  return kIoFaultPoints[0];  // unreachable: every IoOp is in the table
}

IoFault DrawIoFault(uint64_t seed, const std::vector<IoOp>& ops, uint64_t max_nth) {
  SeededRng rng = FaultSchedule(seed).Stream("io_error");
  IoFault fault;
  fault.op = ops[rng.Below(ops.size())];
  fault.nth_call = 1 + rng.Below(max_nth);
  const bool no_space = rng.Below(2) == 1;
  const bool short_write = rng.Below(2) == 1;
  fault.error = fault.op == IoOp::kWrite && no_space ? ENOSPC : EIO;
  fault.short_write = fault.op == IoOp::kWrite && no_space && short_write;
  return fault;
}

std::string DescribeIoFault(const IoFault& fault) {
  std::string s = fmt::format("{} #{} fails with {}", OpName(fault.op), fault.nth_call, ErrnoName(fault.error));
  if (fault.short_write) s += " after a short write";
  if (fault.fail_calls > 1) s += fmt::format(" ({} calls)", fault.fail_calls);
  return s;
}

IoErrorInjector::IoErrorInjector() { InitFaultPoints(); }

IoErrorInjector::~IoErrorInjector() { DisarmAll(); }

Status IoErrorInjector::Arm(const IoFault& fault) { return ArmPoint(std::string(FaultPointFor(fault.op).name), fault); }

Status IoErrorInjector::ArmPoint(const std::string& name, const IoFault& fault) {
  if (fault.nth_call == 0 || fault.fail_calls == 0)
    return Status::InvalidArgument("invalid i/o fault: nth_call and fail_calls start at 1");
  if (fault.error <= 0 || fault.error >= 0x10000)
    return Status::InvalidArgument(fmt::format("invalid i/o fault: errno {} out of range", fault.error));
  if (fault.short_write && fault.op != IoOp::kWrite)
    return Status::InvalidArgument(fmt::format("invalid i/o fault: short write on {}", OpName(fault.op)));
  DisarmPoint(name);
  {
    std::lock_guard<std::mutex> lock(CountdownMutex());
    Countdowns()[name] = Countdown{fault.nth_call, fault.fail_calls, 0};
  }
  const uintptr_t info = static_cast<uintptr_t>(fault.error) | (fault.short_write ? kShortWriteFlag : 0);
  if (fiu_enable_external(name.c_str(), 1, reinterpret_cast<void*>(info), 0, &CountdownFails) != 0)
    return Status::IOError("unable to enable fault point '" + name + "': libfiu refused");
  armed_.push_back(name);
  return Status::OK();
}

Status IoErrorInjector::ArmRandom(IoOp op, float probability, int error) {
  if (!(probability > 0 && probability <= 1))
    return Status::InvalidArgument(fmt::format("invalid i/o fault: probability {} outside (0, 1]", probability));
  if (error <= 0 || error >= 0x10000)
    return Status::InvalidArgument(fmt::format("invalid i/o fault: errno {} out of range", error));
  const std::string name(FaultPointFor(op).name);
  DisarmPoint(name);
  if (fiu_enable_random(name.c_str(), 1, reinterpret_cast<void*>(static_cast<uintptr_t>(error)), 0, probability) != 0)
    return Status::IOError("unable to enable fault point '" + name + "': libfiu refused");
  armed_.push_back(name);
  return Status::OK();
}

void IoErrorInjector::Disarm(IoOp op) { DisarmPoint(std::string(FaultPointFor(op).name)); }

void IoErrorInjector::DisarmPoint(const std::string& point) {
  const std::string name = point;  // point may be an element of armed_, erased below
  auto it = std::find(armed_.begin(), armed_.end(), name);
  if (it == armed_.end()) return;
  armed_.erase(it);
  fiu_disable(name.c_str());
  std::lock_guard<std::mutex> lock(CountdownMutex());
  Countdowns().erase(name);
}

void IoErrorInjector::DisarmAll() {
  while (!armed_.empty()) {
    const std::string name = armed_.back();  // a copy: DisarmPoint erases the element
    DisarmPoint(name);
  }
}

uint64_t IoErrorInjector::Checks(IoOp op) const {
  std::lock_guard<std::mutex> lock(CountdownMutex());
  auto it = Countdowns().find(std::string(FaultPointFor(op).name));
  return it == Countdowns().end() ? 0 : it->second.checks;
}

FiuFileIO::FiuFileIO(FileIO* target, FaultLog* log) : FileIOWrapper(target), log_(log) { InitFaultPoints(); }

bool FiuPointFails(const char* point, int* error, bool* short_write) {
  if (!fiu_fail(point)) return false;
  const uintptr_t info = reinterpret_cast<uintptr_t>(fiu_failinfo());
  *error = static_cast<int>(info & 0xffff);
  if (*error == 0) *error = EIO;
  *short_write = (info & kShortWriteFlag) != 0;
  return true;
}

bool FiuFileIO::PointFails(IoOp op, const std::string& what, int* error, bool* short_write) {
  const IoFaultPoint& point = FaultPointFor(op);
  if (!FiuPointFails(std::string(point.name).c_str(), error, short_write)) return false;
  *short_write = *short_write && op == IoOp::kWrite;
  {
    const size_t open_quote = what.find('\'');
    const size_t close_quote = open_quote == std::string::npos ? open_quote : what.find('\'', open_quote + 1);
    std::lock_guard<std::mutex> lock(mu_);
    failed_paths_.push_back(close_quote == std::string::npos ? what
                                                             : what.substr(open_quote + 1, close_quote - open_quote - 1));
  }
  if (log_ != nullptr)
    log_->Record("io_error", fmt::format("{}: {} failed with {}{}", point.name, what, ErrnoName(*error),
                                         *short_write ? " after a short write" : ""));
  return true;
}

std::vector<std::string> FiuFileIO::failed_paths() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failed_paths_;
}

Status FiuFileIO::OpenForRead(const std::string& path, std::unique_ptr<ReadableFile>* out) {
  int err = 0;
  bool short_write = false;
  if (PointFails(IoOp::kOpen, "open of " + Quote(path), &err, &short_write))
    return Status::FromErrno(err, "unable to open file " + Quote(path));
  std::unique_ptr<ReadableFile> file;
  BDB_RETURN_IF_ERROR(target()->OpenForRead(path, &file));
  *out = std::make_unique<FiuReadableFile>(std::move(file), this);
  return Status::OK();
}

Status FiuFileIO::CreateForWrite(const std::string& path, mode_t mode, std::unique_ptr<WritableFile>* out) {
  int err = 0;
  bool short_write = false;
  if (PointFails(IoOp::kOpen, "create of " + Quote(path), &err, &short_write))
    return Status::FromErrno(err, "unable to create file " + Quote(path));
  std::unique_ptr<WritableFile> file;
  BDB_RETURN_IF_ERROR(target()->CreateForWrite(path, mode, &file));
  *out = std::make_unique<FiuWritableFile>(std::move(file), this);
  return Status::OK();
}

Status FiuFileIO::SyncDir(const std::string& dir) {
  int err = 0;
  bool short_write = false;
  if (PointFails(IoOp::kFsync, "fsync of directory " + Quote(dir), &err, &short_write))
    return Status::FromErrno(err, "unable to sync directory " + Quote(dir));
  return target()->SyncDir(dir);
}

Status FiuFileIO::Rename(const std::string& from, const std::string& to) {
  int err = 0;
  bool short_write = false;
  if (PointFails(IoOp::kRename, "rename of " + Quote(from) + " to " + Quote(to), &err, &short_write))
    return Status::FromErrno(err, "unable to rename " + Quote(from) + " to " + Quote(to));
  return target()->Rename(from, to);
}

Status FiuRunPrefix(const std::vector<PosixFault>& faults, std::vector<std::string>* argv) {
  std::vector<std::string> out = {"fiu-run", "-x"};
  for (const PosixFault& f : faults) {
    if (f.point.empty() || f.point.find_first_of(",= \n") != std::string::npos)
      return Status::InvalidArgument("invalid posix fault: bad point name '" + f.point + "'");
    if (!(f.probability > 0 && f.probability <= 1))
      return Status::InvalidArgument(fmt::format("invalid posix fault: probability {} outside (0, 1]", f.probability));
    if (f.error < 0) return Status::InvalidArgument(fmt::format("invalid posix fault: errno {} out of range", f.error));
    std::string cmd = f.probability >= 1 ? "enable name=" + f.point
                                         : fmt::format("enable_random name={},probability={}", f.point, f.probability);
    if (f.error != 0) cmd += fmt::format(",failinfo={}", f.error);
    out.push_back("-c");
    out.push_back(cmd);
  }
  *argv = std::move(out);
  return Status::OK();
}

}  // namespace bdb::sim
