// Access to a live Berkeley DB 5.3 transactional environment: where it keeps
// its files (DB_CONFIG), and a joined handle for checkpoints, log lists, the
// database file list, the end of the log and the count of other users.
// LiveEnvironment owns its DB_ENV and closes it (never removes the
// environment); its methods may be called from one thread at a time.
//
// BDB facts relied on (checked against db 5.3.28 on Debian 12):
// - DB_ENV->stat_print(0) prints "<n>\tReferences": the primary region's refcnt, counting every open
//   DB_ENV handle in every process, this one included.
// - A SIGKILLed process never decrements refcnt: the count stays high until db_recover (or a
//   DB_RECOVER open) rebuilds the regions; so refcnt alone cannot tell live users from dead ones.
// - DB_JOINENV on a short or truncated __db.001 retries the join for ~18 s before failing.
// - Each open DB_ENV handle mmaps the home's __db.001 once (MAP_SHARED), visible in /proc/<pid>/maps.
// - log_archive(DB_ARCH_LOG) and log_archive(0) return bare names ("log.0000000001") even with
//   set_lg_dir, which is what db5.3_archive -l / db5.3_archive print.
// - Joining with DB_ENV->set_isalive set fails the open (EINVAL, "BDB1504 is_alive method specified
//   but no thread region allocated") unless the creator called set_thread_count; set_isalive called
//   after the open returns that EINVAL itself, without touching the regions (one join, not two).
//   With a thread table, a joining handle uses it (its own thread count is not needed) and
//   DB_ENV->failchk returns DB_RUNRECOVERY ("BDB1507 Thread died in Berkeley DB library") when a dead
//   process's thread was inside the library: it may hold a mutex, only recovery can tell.
// - A database file's meta page holds the magic number at byte offset 12 (after the 8-byte LSN and
//   the 4-byte page number), in the byte order of the machine that created it.
#pragma once

#include <db.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/file_io.h"
#include "base/status.h"

namespace bdb {

// A log sequence number: log file number and byte offset in it.
struct Lsn {
  uint32_t file = 0;
  uint32_t offset = 0;
};

// Where an environment keeps its files, as DB_CONFIG says (set_lg_dir,
// set_data_dir / add_data_dir), all absolute.
struct EnvironmentLayout {
  std::string home;                    // absolute, normalized
  std::string log_dir;                 // home if no set_lg_dir
  std::vector<std::string> data_dirs;  // {home} if none; BDB also looks in home
  bool has_db_config = false;
};

// Makes path absolute (against the current directory) and removes ".", ".."
// and repeated or trailing slashes, lexically (symlinks are not resolved).
std::string NormalizePath(const std::string& path);

// Checks a home WITHOUT creating or modifying anything: it must exist
// (NotFound "environment home '<dir>' does not exist"), be a directory
// (InvalidArgument "environment home '<dir>' is not a directory") and hold
// region files (__db.001) or log files in its log directory (InvalidArgument
// "'<dir>' is not a Berkeley DB environment: no region files and no log files").
// Reads DB_CONFIG's set_lg_dir, set_data_dir and add_data_dir lines.
Status InspectEnvironment(FileIO* io, const std::string& home, EnvironmentLayout* layout);

// Collects the messages BDB reports through DB_ENV->set_errcall so they can
// become the "why" of a Status. Attach before DB_ENV->open. Thread-safe.
class BdbErrorText {
 public:
  // Installs the errcall on env (uses env->app_private, which must be unused).
  void Attach(DB_ENV* env);
  // Forgets the messages collected so far.
  void Clear();
  // The collected messages joined with "; " (at most 3, then "(and N more)"),
  // without duplicates, without what follows a PANIC message and without a
  // "<file>: <db_strerror(ret)>" for BDB's own (negative) codes such as
  // DB_VERIFY_BAD when more specific messages exist;
  // db_strerror(ret) if BDB said nothing. Clears.
  std::string Take(int ret);

 private:
  static void OnError(const DB_ENV* env, const char* prefix, const char* msg);
  std::mutex mu_;
  std::vector<std::string> messages_;
};

// A handle joined to a live transactional environment (other processes may be
// writing). Never runs recovery. Closing never removes the environment.
class LiveEnvironment {
 public:
  // InspectEnvironment, then DB_ENV->open with DB_JOINENV if region files
  // exist, else DB_CREATE|DB_INIT_MPOOL|DB_INIT_LOG|DB_INIT_TXN|DB_INIT_LOCK|
  // DB_THREAD (what db_hotbackup does). IOError "unable to open environment
  // '<home>': <BDB text>" on failure. When joining an environment created
  // with a thread table, registers an is-alive function and runs
  // DB_ENV->failchk: IOError "environment '<home>' needs recovery: a process
  // died inside Berkeley DB holding it (DB_ENV->failchk: <BDB text>); the
  // application must run recovery: ..." instead of blocking on it later.
  // Every BDB call of this class runs through WatchedBdbCall (bdb_call.h).
  static Status Open(FileIO* io, const std::string& home, std::unique_ptr<LiveEnvironment>* out);
  ~LiveEnvironment();
  LiveEnvironment(const LiveEnvironment&) = delete;
  LiveEnvironment& operator=(const LiveEnvironment&) = delete;

  const EnvironmentLayout& layout() const { return layout_; }
  // True when the environment has a thread table and failchk ran at open.
  bool checked_for_dead_processes() const { return failchk_; }
  // The raw handle, owned by this object.
  DB_ENV* env() { return env_; }
  // txn_checkpoint(0, 0, DB_FORCE).
  Status Checkpoint();
  // log_flush(NULL): everything committed is in the log files.
  Status FlushLog();
  // log_archive(DB_ARCH_LOG): every log file present, ascending.
  Status ListAllLogs(std::vector<uint32_t>* numbers);
  // log_archive(0): logs no longer needed by any transaction, ascending.
  Status ListRemovableLogs(std::vector<uint32_t>* numbers);
  // Every BDB database file (btree, hash, queue or heap magic, either byte
  // order) directly in home and in the data dirs, excluding __db.* region
  // files, log files, DB_CONFIG and symbolic links; paths relative to home
  // (absolute for a data dir outside home), sorted, without duplicates.
  Status ListDatabaseFiles(std::vector<std::string>* rel_paths);
  // The end of the log (log_stat st_cur_file / st_cur_offset).
  Status CurrentLsn(Lsn* lsn);
  // The end of the log and how far it is synced to disk (st_disk_*: past the
  // last complete record a log flush wrote and fsynced), from one log_stat.
  Status LogPositions(Lsn* current, Lsn* synced);
  // How many OTHER DB_ENV handles have the environment open: the primary
  // region's refcnt minus this handle. *detail says who, from /proc/*/maps:
  // "no other process", "2 other processes (pids 1234, 1240)", or with stale
  // references "1 other process (pid 1234) and 2 stale region references; run
  // db5.3_recover" / "3 stale region references and no process maps the
  // regions; run db5.3_recover".
  Status CountOtherUsers(int* others, std::string* detail);
  // The primary region's refcnt minus this handle, without naming anyone (no
  // /proc scan): 0 means no other handle, live or stale, has it open.
  Status CountOtherHandles(int* others);

 private:
  LiveEnvironment(EnvironmentLayout layout, DB_ENV* env, std::unique_ptr<BdbErrorText> errors);
  // WatchedBdbCall named after call, with the collected error text cleared first.
  Status Call(const char* call, const std::function<int()>& fn, int* ret);
  Status CheckForDeadProcesses();
  Status ListLogs(uint32_t flags, const char* what, std::vector<uint32_t>* numbers);
  Status RegionReferences(int* refs);

  FileIO* io_ = nullptr;
  EnvironmentLayout layout_;
  DB_ENV* env_ = nullptr;
  std::unique_ptr<BdbErrorText> errors_;
  bool failchk_ = false;
};

// True if the first bytes of a file (at least 16) hold a BDB meta page magic.
bool HasDatabaseMagic(const char* head, size_t n);

}  // namespace bdb
