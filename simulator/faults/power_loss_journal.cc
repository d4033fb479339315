#include "simulator/faults/power_loss_journal.h"

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

// ---- harness side ----

Status ParsePowerLossMode(const std::string& text, PowerLossMode* mode) {
  if (ParseName(kPowerLossModeNames, text, mode)) return Status::OK();
  return Status::InvalidArgument(fmt::format("unknown power loss mode '{}'", text));
}

Status ParseBdbNames(const std::string& text, BdbNames* names) {
  if (ParseName(kBdbNamesNames, text, names)) return Status::OK();
  return Status::InvalidArgument(fmt::format("unknown bdb_names model '{}'", text));
}

const char* BdbNamesName(BdbNames names) { return NameOf(kBdbNamesNames, names); }

const char* PowerLossModeName(PowerLossMode mode) { return NameOf(kPowerLossModeNames, mode); }

std::string PowerLossResult::Describe() const {
  uint64_t lost_bytes = 0;
  for (const LostRange& r : lost) lost_bytes += r.bytes;
  std::string text = fmt::format("{} unsynced writes: {} kept, {} torn, {} dropped ({} bytes lost in {} ranges)",
                                 unsynced_writes, kept_writes, torn_writes, dropped_writes, lost_bytes, lost.size());
  if (directory_changes > 0)
    text += fmt::format("; {} of {} unsynced directory changes lost", directory_changes_lost, directory_changes);
  if (bdb_name_changes > 0) {
    text += fmt::format("; {} of {} BDB name changes after the last fsync lost", bdb_name_changes_lost,
                        bdb_name_changes);
    std::vector<std::string> bdb;  // the first few, by name (in journal order)
    for (const std::string& change : lost_directory_changes)
      if (change.rfind("BDB's ", 0) == 0 && bdb.size() < 3) bdb.push_back(change.substr(6));
    if (!bdb.empty()) text += " (" + fmt::format("{}", fmt::join(bdb, ", ")) + (bdb_name_changes_lost > 3 ? ", ..." : "") + ")";
  }
  return text;
}

namespace {

// The name `path` has at the end of the journal, through the renames and
// unlinks of records[from...]; "" when one of them replaced or removed it.
std::string FinalName(const std::vector<ParsedRecord>& records, const std::vector<size_t>& namespace_ops, size_t from,
                      std::string path) {
  auto it = std::lower_bound(namespace_ops.begin(), namespace_ops.end(), from);
  for (; it != namespace_ops.end(); ++it) {
    const ParsedRecord& op = records[*it];
    if (op.h.type == kUnlink) {
      if (path == op.raw_path) return "";
      continue;
    }
    if (path == op.raw_path) {
      path = op.to;
    } else if (path.size() > op.raw_path.size() && path.compare(0, op.raw_path.size(), op.raw_path) == 0 &&
               path[op.raw_path.size()] == '/') {
      path = op.to + path.substr(op.raw_path.size());  // inside a renamed directory
    } else if (path == op.to) {
      return "";  // replaced by the renamed file
    }
  }
  return path;
}

// The journal's bytes, mapped read-only and whole (it holds every write's old
// and new bytes, often 100 MB and more: reading it into a growing string
// spent most of a power cut's time copying and faulting in fresh memory).
class JournalBytes {
 public:
  JournalBytes() = default;
  ~JournalBytes() {
    if (data_ != nullptr) ::munmap(data_, size_);
  }
  JournalBytes(const JournalBytes&) = delete;
  JournalBytes& operator=(const JournalBytes&) = delete;

  Status Map(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::FromErrno(errno, fmt::format("unable to open file '{}'", path));
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      return Status::FromErrno(err, fmt::format("unable to read file '{}'", path));
    }
    size_t size = static_cast<size_t>(st.st_size);
    void* data = size == 0 ? nullptr : ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    const int err = errno;
    ::close(fd);
    if (data == MAP_FAILED) return Status::FromErrno(err, fmt::format("unable to read file '{}'", path));
    data_ = data;
    size_ = size;
    return Status::OK();
  }
  std::string_view view() const { return {static_cast<const char*>(data_), size_}; }

 private:
  void* data_ = nullptr;
  size_t size_ = 0;
};

Status ParseJournal(const std::string& journal_path, JournalBytes* bytes, std::vector<ParsedRecord>* records,
                    uint64_t* ignored_tail) {
  BDB_RETURN_IF_ERROR(bytes->Map(journal_path));
  const std::string_view buf = bytes->view();
  size_t at = 0;
  while (at < buf.size()) {
    if (buf.size() - at < sizeof(RecordHeader)) break;
    ParsedRecord r;
    r.at = at;
    std::memcpy(&r.h, buf.data() + at, sizeof(RecordHeader));
    if (r.h.magic != kRecordMagic || r.h.type < kWrite || r.h.type > kLastRecordType)
      return Status::Corruption(fmt::format("power loss journal '{}' is corrupt at byte {}: bad record header",
                                            journal_path, at));
    uint64_t body = uint64_t{r.h.path_len} + r.h.old_len + ((r.h.type == kWrite || r.h.type == kRename) ? r.h.length : 0);
    if (buf.size() - at - sizeof(RecordHeader) < body) break;
    size_t p = at + sizeof(RecordHeader);
    r.raw_path = std::string(buf.substr(p, r.h.path_len));
    r.path = r.raw_path;
    r.old_at = p + r.h.path_len;
    r.new_at = r.old_at + r.h.old_len;
    if (r.h.type == kRename) r.to = std::string(buf.substr(r.new_at, r.h.length));
    if (r.h.type == kRename || r.h.type == kUnlink) r.kept = std::string(buf.substr(r.old_at, r.h.old_len));
    records->push_back(std::move(r));
    at = p + body;
  }
  *ignored_tail = buf.size() - at;
  // Name every record after the file's final name, so a file written under a
  // temporary name and then renamed (how BDB creates databases, how the
  // engine publishes files and backups) is one file.
  std::vector<size_t> namespace_ops;
  for (size_t i = 0; i < records->size(); ++i) {
    const uint32_t type = (*records)[i].h.type;
    if (type == kRename || type == kUnlink) namespace_ops.push_back(i);
  }
  for (size_t i = 0; i < records->size(); ++i) {
    ParsedRecord& r = (*records)[i];
    if (r.h.type == kRename || r.h.type == kUnlink) continue;
    r.path = FinalName(*records, namespace_ops, i + 1, r.raw_path);
  }
  return Status::OK();
}

// The part of a path that a replay reproduces: home-relative paths as they
// are; for an absolute path (the repository, in a sandbox whose name varies)
// its last two components.
std::string StableName(const std::string& path) {
  if (path.empty() || path[0] != '/') return path;
  return BaseName(DirName(path)) + "/" + BaseName(path);
}

uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// An open file of the environment being rewritten.
class FileRewriter {
 public:
  explicit FileRewriter(std::string home) : home_(std::move(home)) {}
  ~FileRewriter() {
    for (auto& [p, fd] : fds_) ::close(fd);
  }
  // Opens (caches) the file; *missing if it no longer exists.
  Status Open(const std::string& rel, int* fd, bool* missing) {
    *missing = false;
    auto it = fds_.find(rel);
    if (it != fds_.end()) {
      *fd = it->second;
      return Status::OK();
    }
    std::string full = Full(rel);
    int f = ::open(full.c_str(), O_RDWR | O_CLOEXEC);
    if (f < 0 && errno == ENOENT) {
      *missing = true;
      return Status::OK();
    }
    if (f < 0) return Status::FromErrno(errno, fmt::format("unable to open file '{}'", full));
    fds_[rel] = f;
    *fd = f;
    return Status::OK();
  }
  Status Write(const std::string& rel, int fd, const char* data, size_t n, uint64_t offset) {
    size_t done = 0;
    while (done < n) {
      ssize_t w = ::pwrite(fd, data + done, n - done, offset + done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return Status::FromErrno(errno, fmt::format("unable to write file '{}'", Full(rel)));
      done += w;
    }
    return Status::OK();
  }
  Status Truncate(const std::string& rel, int fd, uint64_t size) {
    if (::ftruncate(fd, size) != 0) return Status::FromErrno(errno, fmt::format("unable to truncate file '{}'", Full(rel)));
    return Status::OK();
  }
  Status SyncAll() {
    for (auto& [rel, fd] : fds_)
      if (::fsync(fd) != 0) return Status::FromErrno(errno, fmt::format("unable to sync file '{}'", Full(rel)));
    return Status::OK();
  }

 private:
  std::string Full(const std::string& rel) const { return rel[0] == '/' ? rel : home_ + "/" + rel; }
  std::string home_;
  std::map<std::string, int> fds_;
};

// Restores the state before record r. REQUIRES: every later change to that file already undone.
Status Undo(FileRewriter* files, std::string_view buf, const ParsedRecord& r) {
  int fd = -1;
  bool missing = false;
  BDB_RETURN_IF_ERROR(files->Open(r.path, &fd, &missing));
  if (missing) return Status::OK();  // unlinked later: nothing to rewrite
  BDB_RETURN_IF_ERROR(files->Truncate(r.path, fd, r.h.old_size));
  uint64_t at = r.h.type == kWrite ? r.h.offset : r.h.offset;  // truncate: tail starts at the new size
  return files->Write(r.path, fd, buf.data() + r.old_at, r.h.old_len, at);
}

// Re-applies record r, whole or a seeded set of its 512-byte sectors.
Status Redo(FileRewriter* files, std::string_view buf, const ParsedRecord& r, uint64_t draw, PowerLossResult* out) {
  int fd = -1;
  bool missing = false;
  BDB_RETURN_IF_ERROR(files->Open(r.path, &fd, &missing));
  if (missing) return Status::OK();
  int choice = draw % 3;  // 0 drop, 1 keep, 2 torn
  if (r.h.type == kTruncate) choice = choice == 2 ? 1 : choice;
  if (choice == 0) {
    ++out->dropped_writes;
    out->lost.push_back({r.path, r.h.offset, r.h.type == kWrite ? r.h.length : 0, false});
    return Status::OK();
  }
  if (r.h.type == kTruncate) {
    ++out->kept_writes;
    return files->Truncate(r.path, fd, r.h.offset);
  }
  if (choice == 1) {
    ++out->kept_writes;
    return files->Write(r.path, fd, buf.data() + r.new_at, r.h.length, r.h.offset);
  }
  ++out->torn_writes;
  uint64_t pos = r.h.offset, end = r.h.offset + r.h.length, sector = 0;
  while (pos < end) {
    uint64_t next = std::min(end, (pos / 512 + 1) * 512);
    bool keep = (Mix(draw ^ ++sector) & 1) != 0;
    if (keep) {
      BDB_RETURN_IF_ERROR(files->Write(r.path, fd, buf.data() + r.new_at + (pos - r.h.offset), next - pos, pos));
    } else if (!out->lost.empty() && out->lost.back().torn && out->lost.back().file == r.path &&
               out->lost.back().offset + out->lost.back().bytes == pos) {
      out->lost.back().bytes += next - pos;
    } else {
      out->lost.push_back({r.path, pos, next - pos, true});
    }
    pos = next;
  }
  return Status::OK();
}

}  // namespace

Status ReadJournalStats(const std::string& journal_path, JournalStats* stats) {
  *stats = JournalStats();
  JournalBytes buf;
  std::vector<ParsedRecord> records;
  uint64_t tail = 0;
  BDB_RETURN_IF_ERROR(ParseJournal(journal_path, &buf, &records, &tail));
  std::set<std::string> files;
  for (const ParsedRecord& r : records) {
    switch (r.h.type) {
      case kWrite: ++stats->writes; files.insert(r.path.empty() ? r.raw_path : r.path); break;
      case kSync: ++stats->syncs; break;
      case kTruncate: ++stats->truncates; files.insert(r.path.empty() ? r.raw_path : r.path); break;
      case kDirSync: ++stats->dir_syncs; break;
      case kMkdir: ++stats->mkdirs; break;
      case kRmdir: ++stats->rmdirs; break;
      case kCreate: ++stats->creates; break;
      case kRename: ++stats->renames; break;
      case kUnlink: ++stats->unlinks; break;
    }
  }
  stats->files.assign(files.begin(), files.end());
  return Status::OK();
}

Status ApplyPowerLoss(const std::string& journal_path, const std::string& home, uint64_t seed, PowerLossMode mode,
                      PowerLossResult* result) {
  return ApplyPowerLoss(journal_path, home, seed, mode, BdbNames::kDurable, result);
}

Status ApplyPowerLoss(const std::string& journal_path, const std::string& home, uint64_t seed, PowerLossMode mode,
                      BdbNames names, PowerLossResult* result) {
  *result = PowerLossResult();
  JournalBytes buf;
  std::vector<ParsedRecord> records;
  BDB_RETURN_IF_ERROR(ParseJournal(journal_path, &buf, &records, &result->ignored_tail_bytes));
  result->journal_records = records.size();
  std::map<std::string, uint64_t> synced_upto;  // per file: records starting below this offset are durable
  for (const ParsedRecord& r : records)
    if (r.h.type == kSync && !r.path.empty()) synced_upto[r.path] = std::max(synced_upto[r.path], r.h.sync_upto);
  std::vector<const ParsedRecord*> unsynced;
  for (const ParsedRecord& r : records) {
    // A file a later rename replaced or an unlink removed took its writes with it.
    if ((r.h.type != kWrite && r.h.type != kTruncate) || r.path.empty()) continue;
    auto it = synced_upto.find(r.path);
    if (it == synced_upto.end() || r.at >= it->second) unsynced.push_back(&r);
  }
  result->unsynced_writes = unsynced.size();
  if (mode == PowerLossMode::kAll) {
    result->kept_writes = unsynced.size();
    return Status::OK();
  }
  {
    FileRewriter files(home);
    std::set<std::string> removed;
    for (auto it = unsynced.rbegin(); it != unsynced.rend(); ++it) BDB_RETURN_IF_ERROR(Undo(&files, buf.view(), **it));
    for (const ParsedRecord& r : records) {
      // BDB never fsyncs a directory: a file whose data was never synced since
      // its creation has no durable directory entry either. (The engine's
      // creates follow the directory model below.)
      // (BdbNames::kOrdered: bdb_names_model.h decides, with the directory half.)
      if (names != BdbNames::kDurable || r.h.type != kCreate || r.h.offset != kOriginBdb || r.path.empty() ||
          synced_upto.count(r.path) != 0)
        continue;
      // subset: the file system may have committed the directory entry anyway.
      if (mode == PowerLossMode::kSubset && (FaultSchedule(seed).Stream("create " + r.path).Next() & 1) != 0) continue;
      std::string full = r.path[0] == '/' ? r.path : home + "/" + r.path;
      if (::unlink(full.c_str()) != 0 && errno != ENOENT)
        return Status::FromErrno(errno, fmt::format("unable to remove file '{}'", full));
      removed.insert(r.path);
      result->lost.push_back({r.path, 0, 0, false});
    }
    // Each write's draw is keyed by what it wrote (file, offset, and how many
    // writes to that range came before it), not by its journal offset, which
    // shifts with the interleaving of threads and processes.
    std::map<std::pair<std::string, uint64_t>, uint64_t> writes_to_range;
    for (const ParsedRecord* r : unsynced) {
      const uint64_t nth = writes_to_range[{r->path, r->h.offset}]++;
      if (removed.count(r->path) != 0) {
        ++result->dropped_writes;
        continue;
      }
      if (mode == PowerLossMode::kNone) {
        ++result->dropped_writes;
        result->lost.push_back({r->path, r->h.offset, r->h.type == kWrite ? r->h.length : 0, false});
        continue;
      }
      const uint64_t draw =
          FaultSchedule(seed).Stream(fmt::format("write {} @{} #{}", StableName(r->path), r->h.offset, nth)).Next();
      BDB_RETURN_IF_ERROR(Redo(&files, buf.view(), *r, draw, result));
    }
    BDB_RETURN_IF_ERROR(files.SyncAll());
  }
  return RollBackDirectoryChanges(records, home, seed, mode, names, result);
}

}  // namespace bdb::sim

// ---- Per-write fates (storage device models) ----
namespace bdb::sim {

Status ApplyPowerLossWithFates(const std::string& journal_path, const std::string& home, uint64_t seed,
                               const ChangeFateChooser& choose, PowerLossResult* result) {
  *result = PowerLossResult();
  JournalBytes buf;
  std::vector<ParsedRecord> records;
  BDB_RETURN_IF_ERROR(ParseJournal(journal_path, &buf, &records, &result->ignored_tail_bytes));
  result->journal_records = records.size();
  std::map<std::string, uint64_t> synced_upto;
  for (const ParsedRecord& r : records)
    if (r.h.type == kSync) synced_upto[r.path] = std::max(synced_upto[r.path], r.h.sync_upto);
  std::vector<const ParsedRecord*> changed;
  std::vector<JournaledChange> changes;
  for (const ParsedRecord& r : records) {
    if (r.h.type != kWrite && r.h.type != kTruncate) continue;
    auto it = synced_upto.find(r.path);
    const bool synced = it != synced_upto.end() && r.at < it->second;
    changed.push_back(&r);
    changes.push_back({r.path, r.at, r.h.offset, r.h.type == kWrite ? r.h.length : 0, r.h.type == kTruncate, synced});
    if (!synced) ++result->unsynced_writes;
  }
  std::vector<ChangeFate> fates;
  choose(changes, &fates);
  if (fates.size() != changes.size())
    return Status::InvalidArgument(fmt::format("device model gave {} fates for {} changes", fates.size(), changes.size()));
  size_t first = 0;
  while (first < fates.size() && fates[first] == ChangeFate::kKept) ++first;
  if (first == fates.size()) {
    result->kept_writes = changes.size();
    return Status::OK();
  }
  const uint64_t cut_at = changes[first].journal_offset;
  FileRewriter files(home);
  for (size_t i = changed.size(); i-- > first;) BDB_RETURN_IF_ERROR(Undo(&files, buf.view(), *changed[i]));
  std::set<std::string> survivors;  // files with a change kept from the cut point on
  for (size_t i = first; i < changes.size(); ++i)
    if (fates[i] != ChangeFate::kDropped) survivors.insert(changes[i].file);
  std::set<std::string> removed;
  for (const ParsedRecord& r : records) {
    if (r.h.type != kCreate || r.at < cut_at || survivors.count(r.path) != 0) continue;
    std::string full = r.path[0] == '/' ? r.path : home + "/" + r.path;
    if (::unlink(full.c_str()) != 0 && errno != ENOENT)
      return Status::FromErrno(errno, fmt::format("unable to remove file '{}'", full));
    removed.insert(r.path);
    result->lost.push_back({r.path, 0, 0, false});
  }
  for (size_t i = first; i < changes.size(); ++i) {
    const ParsedRecord& r = *changed[i];
    if (removed.count(r.path) != 0) {
      ++result->dropped_writes;
      continue;
    }
    // Redo picks its fate as draw % 3 (0 drop, 1 keep, 2 torn): keep that
    // contract and let the rest of the draw choose the torn sectors.
    const uint64_t draw = FaultSchedule(seed).Stream(fmt::format("fate {} @{} #{}", r.path, r.h.offset, i)).Next();
    const uint64_t choice = fates[i] == ChangeFate::kDropped ? 0 : fates[i] == ChangeFate::kKept ? 1 : 2;
    BDB_RETURN_IF_ERROR(Redo(&files, buf.view(), r, (draw >> 2) * 3 + choice, result));
  }
  return files.SyncAll();
}

}  // namespace bdb::sim
