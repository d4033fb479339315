#include "simulator/faults/power_loss_hooks.h"

#include "base/file_io.h"
#include "engine/bdb/log_names.h"

#include <db.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdarg>
#include <cstring>
#include <map>
#include <atomic>
#include <mutex>
#include <set>
#include <string_view>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "simulator/faults/fault_schedule.h"
#include "simulator/faults/journal_writer.h"
#include "simulator/faults/io_error_injector.h"
#include "simulator/faults/power_loss_records.h"
#include "simulator/faults/namespace_rollback.h"

namespace bdb::sim {
namespace {

struct HookState {
  std::mutex mu;
  std::string home;  // realpath, with trailing '/'
  bool absolute_paths = false;
  std::function<void(const char*, const std::string&)> on_operation;
  FileOpJournal* namespace_journal = nullptr;
  int journal_fd = -1;
  uint64_t crash_at_write = 0;
  uint64_t writes = 0;
  uint64_t data_writes = 0;  // of those, to database files
  uint64_t syncs = 0;
  uint64_t seq = 0;
  std::map<int, std::string> fd_paths;  // BDB's fds -> journal path
  std::string keep_dir;  // "<journal>.bdb-kept": links to files BDB unlinked or renamed over
  uint64_t kept = 0;
};

HookState* g_state = nullptr;
std::atomic<uint64_t> g_crash_request{0};  // ArmCrashAfterWrites, taken by the next write

bool IsRegionFile(const std::string& path);

bool IsInsideHome(const std::string& absolute) {
  return absolute.compare(0, g_state->home.size(), g_state->home) == 0;
}

std::string JournalPathFor(const std::string& absolute) {
  if (!g_state->absolute_paths && IsInsideHome(absolute)) return absolute.substr(g_state->home.size());
  return absolute;
}

// Journaled files are those inside home (relative to it, or absolute with
// absolute_paths); a file outside it (a restore or standby the agent
// writes through its own FileIO) is not BDB's to journal here.
bool IsOutsideHome(const std::string& journal_path) {
  if (journal_path.empty() || journal_path[0] != '/') return false;
  return !g_state->absolute_paths || !IsInsideHome(journal_path);
}

// Tells on_operation. REQUIRES: g_state->mu held.
void Tell(const char* op, const std::string& path) {
  if (g_state->on_operation) g_state->on_operation(op, path);
}

// Files whose writes are neither journaled nor counted.
bool IsUnjournaled(const std::string& journal_path) {
  return IsOutsideHome(journal_path) || IsRegionFile(journal_path);
}

// The absolute path with its directory resolved (symlinks too), so it compares
// with the realpath of home; the file itself may not exist.
std::string AbsolutePathOf(const char* path) {
  std::string p = path;
  size_t slash = p.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : p.substr(0, slash));
  std::string base = slash == std::string::npos ? p : p.substr(slash + 1);
  char buf[PATH_MAX];
  if (realpath(dir.c_str(), buf) != nullptr) return std::string(buf) + (buf[1] == '\0' ? "" : "/") + base;
  if (path[0] == '/') return path;
  if (getcwd(buf, sizeof(buf)) == nullptr) return path;
  return std::string(buf) + "/" + path;
}

// Region files are "__db.001" and the like; "__db.<hex>.<hex>" are BDB's
// temporary database files (created, written, synced, then renamed).
bool IsRegionFile(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base.compare(0, 5, "__db.") != 0 || base.size() == 5) return false;
  for (size_t i = 5; i < base.size(); ++i)
    if (base[i] < '0' || base[i] > '9') return false;
  return true;
}

// REQUIRES: g_state->mu held.
bool LookupPath(int fd, std::string* path) {
  auto it = g_state->fd_paths.find(fd);
  if (it == g_state->fd_paths.end()) {
    char link[64], buf[PATH_MAX];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, buf, sizeof(buf) - 1);
    if (n <= 0) return false;
    it = g_state->fd_paths.emplace(fd, JournalPathFor(std::string(buf, n))).first;
  }
  *path = it->second;
  return true;
}

void WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // A journal we cannot write makes the trial meaningless: fail loudly.
      fmt::print(stderr, "bdbsim-workload: power loss journal write failed: {}\n", std::strerror(errno));
      _exit(70);
    }
    done += n;
  }
}

// REQUIRES: g_state->mu held.
void AppendRecord(RecordHeader h, const std::string& path, const std::string& old_bytes, const char* tail,
                  size_t tail_len) {
  if (g_state->journal_fd < 0) return;
  h.magic = kRecordMagic;
  h.seq = ++g_state->seq;
  h.path_len = path.size();
  h.old_len = old_bytes.size();
  std::string rec(reinterpret_cast<const char*>(&h), sizeof(h));
  rec += path;
  rec += old_bytes;
  rec.append(tail, tail_len);
  WriteAll(g_state->journal_fd, rec);
}

// The journal's size: where the next record of any process will start.
// REQUIRES: g_state->mu held.
uint64_t JournalEnd() {
  if (g_state->journal_fd < 0) return 0;
  off_t end = ::lseek(g_state->journal_fd, 0, SEEK_END);
  if (end < 0) {
    fmt::print(stderr, "bdbsim: power loss journal seek failed: {}\n", std::strerror(errno));
    _exit(70);
  }
  return static_cast<uint64_t>(end);
}

// The bytes [offset, offset+n) clipped to the file's current size.
std::string ReadOld(int fd, uint64_t offset, uint64_t n, uint64_t size) {
  if (offset >= size) return {};
  std::string buf(std::min<uint64_t>(n, size - offset), '\0');
  size_t done = 0;
  while (done < buf.size()) {
    ssize_t r = ::pread(fd, buf.data() + done, buf.size() - done, offset + done);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      fmt::print(stderr, "bdbsim-workload: unable to read old bytes for the power loss journal: {}\n",
                 r < 0 ? std::strerror(errno) : "short read");
      _exit(70);
    }
    done += r;
  }
  return buf;
}

uint64_t FileSize(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 ? st.st_size : 0;
}

// Counts a write and fires the crash point. REQUIRES: g_state->mu held.
void CountWrite(const std::string& path) {
  ++g_state->writes;
  uint32_t log_number = 0;
  if (!ParseLogFileName(BaseName(path), &log_number)) ++g_state->data_writes;
  if (const uint64_t n = g_crash_request.exchange(0); n != 0) g_state->crash_at_write = g_state->writes + n - 1;
  if (g_state->crash_at_write != 0 && g_state->writes == g_state->crash_at_write) {
    fmt::print(stderr, "bdbsim-workload: crash_at_write {} reached: SIGKILL\n", g_state->writes);
    kill(getpid(), SIGKILL);
    pause();
  }
}

// True (and *error, *short_write) if libfiu says the point fails now.
bool InjectedFailure(const char* point, int* error, bool* short_write) {
  if (!FiuPointFails(point, error, short_write)) return false;
  fmt::print(stderr, "bdbsim-workload: {}{}: {}{}\n", kInjectedFailureMarker, point, strerrorname_np(*error),
             *short_write ? " after a short write" : "");
  return true;
}

ssize_t JournaledWrite(int fd, const void* buf, size_t n, off_t offset, bool positional) {
  std::string path;
  std::lock_guard<std::mutex> lock(g_state->mu);
  bool known = LookupPath(fd, &path);
  int injected = 0;
  if (known && !IsUnjournaled(path)) {
    if (!positional) offset = lseek(fd, 0, SEEK_CUR);
    Tell("write", path);
    CountWrite(path);
    bool short_write = false;
    if (InjectedFailure(kWorkloadWritePoint, &injected, &short_write)) {
      if (!short_write) {
        errno = injected;
        return -1;
      }
      n /= 2;  // half the bytes reach the file, then the write fails
    }
    if (g_state->journal_fd >= 0) {
      RecordHeader h{};
      h.type = kWrite;
      h.offset = offset;
      h.length = n;
      h.old_size = FileSize(fd);
      AppendRecord(h, path, ReadOld(fd, offset, n, h.old_size), static_cast<const char*>(buf), n);
    }
  }
  ssize_t written = positional ? ::pwrite(fd, buf, n, offset) : ::write(fd, buf, n);
  if (injected != 0) {
    errno = injected;
    return -1;
  }
  return written;
}

int HookOpen(const char* path, int flags, ...) {
  mode_t mode = 0;
  if (flags & O_CREAT) {
    va_list ap;
    va_start(ap, flags);
    mode = static_cast<mode_t>(va_arg(ap, int));
    va_end(ap);
  }
  // Serialized with the writes so a create record precedes the file's writes.
  std::lock_guard<std::mutex> lock(g_state->mu);
  struct stat st;
  bool existed = (flags & O_CREAT) == 0 || ::stat(path, &st) == 0;
  if (!existed) {
    const std::string p = JournalPathFor(AbsolutePathOf(path));
    if (!IsUnjournaled(p)) Tell("create", p);  // before the file exists: a cut here loses it
  }
  int fd = ::open(path, flags, mode);
  if (fd >= 0) {
    g_state->fd_paths.erase(fd);
    std::string p;
    LookupPath(fd, &p);  // resolves through /proc so the path is absolute
    if (!existed && !IsUnjournaled(p)) {
      if (g_state->namespace_journal != nullptr) {
        g_state->namespace_journal->Created(p);
      } else {
        RecordHeader h{};
        h.type = kCreate;
        AppendRecord(h, p, {}, nullptr, 0);
      }
    }
  }
  return fd;
}

ssize_t HookPwrite(int fd, const void* buf, size_t n, off_t offset) { return JournaledWrite(fd, buf, n, offset, true); }
ssize_t HookWrite(int fd, const void* buf, size_t n) { return JournaledWrite(fd, buf, n, 0, false); }

int HookFsync(int fd) {
  std::string path;
  uint64_t upto = 0;
  bool journal = false;
  {
    std::lock_guard<std::mutex> lock(g_state->mu);
    journal = LookupPath(fd, &path) && !IsUnjournaled(path);
    if (journal) Tell("fsync", path);
    upto = JournalEnd();
    int injected = 0;
    bool short_write = false;
    if (journal && InjectedFailure(kWorkloadFsyncPoint, &injected, &short_write)) {
      errno = injected;
      return -1;
    }
  }
  int ret = ::fdatasync(fd);
  if (ret == 0 && journal) {
    std::lock_guard<std::mutex> lock(g_state->mu);
    ++g_state->syncs;
    RecordHeader h{};
    h.type = kSync;
    h.sync_upto = upto;
    AppendRecord(h, path, {}, nullptr, 0);
  }
  return ret;
}

int HookFtruncate(int fd, off_t size) {
  std::string path;
  std::lock_guard<std::mutex> lock(g_state->mu);
  if (LookupPath(fd, &path) && !IsUnjournaled(path)) {
    Tell("truncate", path);
    CountWrite(path);
    RecordHeader h{};
    h.type = kTruncate;
    h.offset = size;
    h.old_size = FileSize(fd);
    std::string tail = h.old_size > static_cast<uint64_t>(size) ? ReadOld(fd, size, h.old_size - size, h.old_size) : "";
    AppendRecord(h, path, tail, nullptr, 0);
  }
  return ::ftruncate(fd, size);
}

// A hard link in keep_dir to `path` (as BDB named it) before BDB unlinks it
// or renames over it, so a cut that loses that change (BdbNames::kOrdered)
// can bring the file back with its content at that moment; "" when there is
// nothing to keep or no journal. REQUIRES: g_state->mu held.
std::string KeepForUndo(const char* path) {
  struct stat st;
  if (g_state->keep_dir.empty() || ::lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) return "";
  const std::string base = BaseName(path);
  const std::string link = fmt::format("{}/{}.{}.{}", g_state->keep_dir, ::getpid(), ++g_state->kept, base);
  return ::link(path, link.c_str()) == 0 ? link : "";  // another file system: not kept, cannot come back
}

int HookRename(const char* from, const char* to) {
  std::lock_guard<std::mutex> lock(g_state->mu);
  std::string f = JournalPathFor(AbsolutePathOf(from)), t = JournalPathFor(AbsolutePathOf(to));
  if (!IsOutsideHome(f) || !IsOutsideHome(t)) {
    Tell("rename", f);
    if (g_state->namespace_journal != nullptr) {
      std::string kept;
      g_state->namespace_journal->Keep(t, &kept);
      g_state->namespace_journal->Renaming(f, t, kept);
      return ::rename(from, to);
    }
    RecordHeader h{};
    h.type = kRename;
    h.length = t.size();
    AppendRecord(h, f, KeepForUndo(to), t.data(), t.size());
  }
  return ::rename(from, to);
}

int HookUnlink(const char* path) {
  std::lock_guard<std::mutex> lock(g_state->mu);
  std::string p = JournalPathFor(AbsolutePathOf(path));
  if (!IsOutsideHome(p)) {
    Tell("unlink", p);
    if (g_state->namespace_journal != nullptr) {
      std::string kept;
      g_state->namespace_journal->Keep(p, &kept);
      g_state->namespace_journal->Unlinking(p, kept);
      return ::unlink(path);
    }
    RecordHeader h{};
    h.type = kUnlink;
    AppendRecord(h, p, KeepForUndo(path), nullptr, 0);
  }
  return ::unlink(path);
}

}  // namespace

Status InstallIoHooks(const IoHookOptions& options) {
  if (g_state != nullptr) return Status::InvalidArgument("io hooks are already installed");
  auto* state = new HookState;
  char buf[PATH_MAX];
  if (realpath(options.home.c_str(), buf) == nullptr) {
    int err = errno;
    delete state;
    return Status::FromErrno(err, fmt::format("unable to resolve path '{}'", options.home));
  }
  state->home = std::string(buf) + "/";
  state->crash_at_write = options.crash_at_write;
  state->absolute_paths = options.absolute_paths;
  state->on_operation = options.on_operation;
  state->namespace_journal = options.namespace_journal;
  if (!options.journal_path.empty()) {
    const int flags = O_WRONLY | O_APPEND | O_CLOEXEC | O_CREAT | (options.append ? 0 : O_TRUNC);
    state->journal_fd = ::open(options.journal_path.c_str(), flags, 0644);
    if (state->journal_fd < 0) {
      int err = errno;
      delete state;
      return Status::FromErrno(err, fmt::format("unable to open file '{}'", options.journal_path));
    }
    state->keep_dir = options.journal_path + ".bdb-kept";
    if (::mkdir(state->keep_dir.c_str(), 0700) != 0 && errno != EEXIST) {
      int err = errno;
      ::close(state->journal_fd);
      delete state;
      return Status::FromErrno(err, fmt::format("unable to create directory '{}'", options.journal_path + ".bdb-kept"));
    }
  }
  g_state = state;  // deliberately never freed: hooks may run until exit
  int ret = 0;
  if ((ret = db_env_set_func_open(HookOpen)) != 0 || (ret = db_env_set_func_pwrite(HookPwrite)) != 0 ||
      (ret = db_env_set_func_write(HookWrite)) != 0 || (ret = db_env_set_func_fsync(HookFsync)) != 0 ||
      (ret = db_env_set_func_ftruncate(HookFtruncate)) != 0 || (ret = db_env_set_func_rename(HookRename)) != 0 ||
      (ret = db_env_set_func_unlink(HookUnlink)) != 0)
    return Status::IOError(fmt::format("unable to install io hooks: {}", db_strerror(ret)));
  return Status::OK();
}

uint64_t HookedWriteCount() {
  if (g_state == nullptr) return 0;
  std::lock_guard<std::mutex> lock(g_state->mu);
  return g_state->writes;
}

uint64_t HookedDataWriteCount() {
  if (g_state == nullptr) return 0;
  std::lock_guard<std::mutex> lock(g_state->mu);
  return g_state->data_writes;
}

void ArmCrashAfterWrites(uint64_t n) { g_crash_request.store(n); }

uint64_t HookedSyncCount() {
  if (g_state == nullptr) return 0;
  std::lock_guard<std::mutex> lock(g_state->mu);
  return g_state->syncs;
}

}  // namespace bdb::sim
