#include "simulator/workload/workload.h"

#include <db.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <climits>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "simulator/workload/payload.h"
#include "simulator/faults/io_error_injector.h"
#include "simulator/faults/power_loss_hooks.h"
#include "simulator/faults/power_loss_journal.h"

namespace bdb::sim {
namespace {

void OnBdbError(const DB_ENV*, const char* prefix, const char* msg) {
  fmt::print(stderr, "bdbsim-workload: bdb: {}{}\n", prefix ? prefix : "", msg);
}

Status BdbFailure(const char* call, int ret) {
  return Status::IOError(fmt::format("{} failed: {}", call, db_strerror(ret)));
}

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// The harness has load on: its load file exists and, with load_max_ms, was
// made (turned on) less than that long ago.
bool LoadIsOn(const WorkloadConfig& c) {
  struct stat st;
  if (::stat(c.load_file.c_str(), &st) != 0) return false;
  if (c.load_max_ms == 0) return true;
  struct timespec now;
  ::clock_gettime(CLOCK_REALTIME, &now);
  const int64_t age_ms = (now.tv_sec - st.st_mtim.tv_sec) * 1000 + (now.tv_nsec - st.st_mtim.tv_nsec) / 1000000;
  return age_ms < static_cast<int64_t>(c.load_max_ms);
}

// Shared by the writer threads.
struct Run {
  const WorkloadConfig* config = nullptr;
  int out_fd = -1;
  DB_ENV* env = nullptr;
  DB* a = nullptr;
  DB* b = nullptr;
  DB* q = nullptr;  // workload.queue
  std::atomic<uint64_t> acked{0};
  std::atomic<uint64_t> aborted{0};
  std::atomic<uint64_t> deadlocks{0};
  std::atomic<uint64_t> checkpoints{0};
  std::atomic<bool> stop{false};
  std::mutex checkpoint_mu;  // guards checkpoints_requested and writers_done
  std::condition_variable checkpoint_cv;
  uint64_t checkpoints_requested = 0;
  bool writers_done = false;
  std::mutex error_mu;
  Status error;
  std::mutex pause_mu;
  uint32_t paused = 0;    // writers waiting on the pause file
  uint32_t finished = 0;  // writers that reached the target
  bool announced = false; // "P" sent and no "U" since
  bool done_sent = false; // "D" sent (load_file mode: every writer idle at the target)
  std::atomic<uint64_t> page_writes_sent{0};

  void Fail(const Status& s) {
    std::lock_guard<std::mutex> lock(error_mu);
    if (error.ok()) error = s;
    stop = true;
  }
  // One protocol line with one write(2); short of PIPE_BUF, so atomic on a pipe.
  void Emit(const std::string& line) {
    std::string l = line + "\n";
    ssize_t n;
    do {
      n = ::write(out_fd, l.data(), l.size());
    } while (n < 0 && errno == EINTR);
    if (n != static_cast<ssize_t>(l.size())) Fail(Status::FromErrno(errno, "unable to write protocol line"));
  }
};

// "W <n>" when the hooks counted database page writes since the last report.
void EmitPageWrites(Run* run) {
  const uint64_t writes = HookedDataWriteCount();
  uint64_t sent = run->page_writes_sent.load();
  while (writes > sent) {
    if (run->page_writes_sent.compare_exchange_weak(sent, writes)) return run->Emit(fmt::format("W {}", writes));
  }
}

int PutRecord(Run* run, DB_TXN* txn, const PlannedRecord& rec, uint64_t txn_id) {
  std::string value = MakePayload(run->config->seed, txn_id, rec.key_index, rec.key, rec.value_bytes);
  DBT key{}, data{};
  key.data = const_cast<char*>(rec.key.data());
  key.size = rec.key.size();
  data.data = value.data();
  data.size = value.size();
  DB* db = rec.db == Database::kA ? run->a : run->b;
  return db->put(db, txn, &key, &data, 0);
}

// Appends the txn's record to the queue database (a new record number).
int AppendQueueRecord(Run* run, DB_TXN* txn, uint64_t txn_id) {
  std::string value = MakePayload(run->config->seed, txn_id, kQueueIndex, kQueuePayloadKey, kQueueRecordBytes);
  db_recno_t recno = 0;
  DBT key{}, data{};
  key.data = &recno;
  key.ulen = sizeof(recno);
  key.flags = DB_DBT_USERMEM;
  data.data = value.data();
  data.size = value.size();
  return run->q->put(run->q, txn, &key, &data, DB_APPEND);
}

bool IsDeadlock(int ret) { return ret == DB_LOCK_DEADLOCK || ret == DB_LOCK_NOTGRANTED; }

// Runs one txn to commit, deliberate abort, or error; retries on deadlock.
void RunTxn(Run* run, uint64_t txn_id) {
  TxnPlan plan = PlanTxn(*run->config, txn_id);
  std::vector<const PlannedRecord*> records;
  for (const PlannedRecord& r : plan.fresh) records.push_back(&r);
  records.push_back(&plan.slot_a);
  records.push_back(&plan.slot_b);
  for (int attempt = 0; !run->stop; ++attempt) {
    if (attempt > 10000) return run->Fail(Status::IOError(fmt::format("txn {} deadlocked 10000 times", txn_id)));
    DB_TXN* txn = nullptr;
    int ret = run->env->txn_begin(run->env, nullptr, &txn, run->config->bulk ? DB_TXN_BULK : 0);
    if (ret != 0) return run->Fail(BdbFailure("DB_ENV->txn_begin", ret));
    for (const PlannedRecord* r : records)
      if ((ret = PutRecord(run, txn, *r, txn_id)) != 0) break;
    if (ret == 0 && run->q != nullptr) ret = AppendQueueRecord(run, txn, txn_id);
    if (IsDeadlock(ret)) {
      txn->abort(txn);
      ++run->deadlocks;
      continue;
    }
    if (ret != 0) {
      txn->abort(txn);
      return run->Fail(BdbFailure("DB->put", ret));
    }
    if (plan.deliberate_abort) {
      if ((ret = txn->abort(txn)) != 0) return run->Fail(BdbFailure("DB_TXN->abort", ret));
      ++run->aborted;
      run->Emit(fmt::format("X {}", txn_id));
      return;
    }
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count();
    run->Emit(fmt::format("S {} {}", txn_id, now_ms));
    if ((ret = txn->commit(txn, 0)) != 0) return run->Fail(BdbFailure("DB_TXN->commit", ret));
    run->Emit(fmt::format("A {}", txn_id));
    EmitPageWrites(run);
    uint64_t n = ++run->acked;
    uint64_t every = run->config->checkpoint_every_txns;
    if (every != 0 && n % every == 0) {
      // The checkpoint runs on its own thread: inline, it stalls this writer
      // for as long as mpool waits on pages the other writers hold pinned.
      std::lock_guard<std::mutex> lock(run->checkpoint_mu);
      ++run->checkpoints_requested;
      run->checkpoint_cv.notify_one();
    }
    return;
  }
}

Status OpenEnvironment(const WorkloadConfig& c, Run* run);
void CloseEnvironment(Run* run);

// Announces "P" once every writer is paused (or finished, with at least one
// paused) and "U" when one leaves the pause. delta_*: this writer's change.
void UpdatePause(Run* run, int delta_paused, int delta_finished) {
  std::lock_guard<std::mutex> lock(run->pause_mu);
  run->paused += delta_paused;
  run->finished += delta_finished;
  bool all = run->paused > 0 && run->paused + run->finished == run->config->threads;
  if (all && !run->announced) {
    // Quiesced for a cold backup: close the environment so no process holds it.
    CloseEnvironment(run);
    run->Emit("P");
  }
  if (!all && run->announced) {
    Status s = OpenEnvironment(*run->config, run);
    if (!s.ok()) return run->Fail(s);
    run->Emit("U");
  }
  run->announced = all;
}

// Runs the checkpoints the writers asked for, one at a time, until they finish.
// Holds pause_mu while checkpointing, so it never races a quiesce closing the environment.
void Checkpointer(Run* run) {
  uint64_t done = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(run->checkpoint_mu);
      run->checkpoint_cv.wait(lock, [&] { return run->checkpoints_requested > done || run->writers_done; });
      if (run->checkpoints_requested == done) return;
      done = run->checkpoints_requested;
    }
    std::lock_guard<std::mutex> pause(run->pause_mu);
    if (run->env == nullptr || run->stop) continue;
    int ret = run->env->txn_checkpoint(run->env, 0, 0, 0);
    if (ret != 0) return run->Fail(BdbFailure("DB_ENV->txn_checkpoint", ret));
    ++run->checkpoints;
    run->Emit("C");
    EmitPageWrites(run);
  }
}

// load_file mode: a writer at the target waits while the harness has no load
// on (counted as finished, so a quiesce still closes the environment; "D" once
// every writer waits) and goes on when it appears. False: stop writing.
bool WaitForLoad(Run* run) {
  const WorkloadConfig& c = *run->config;
  const uint64_t txns_max = c.txns_max != 0 ? c.txns_max : c.txns * 20;
  if (run->acked >= txns_max) return false;
  if (run->acked < c.txns || LoadIsOn(c)) return true;
  UpdatePause(run, 0, 1);
  {
    std::lock_guard<std::mutex> lock(run->pause_mu);
    if (run->finished == run->config->threads && !run->done_sent) {
      run->done_sent = true;
      run->Emit("D");
    }
  }
  while (!run->stop && !LoadIsOn(c)) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  UpdatePause(run, 0, -1);
  return !run->stop;
}

void Writer(Run* run, uint32_t thread) {
  const WorkloadConfig& c = *run->config;
  for (uint32_t seq = 1; !run->stop && (c.load_file.empty() ? run->acked < c.txns : WaitForLoad(run)); ++seq) {
    // Quiescence for cold backups: no txn is open while the pause file exists.
    if (!c.pause_file.empty() && FileExists(c.pause_file)) {
      UpdatePause(run, 1, 0);
      while (FileExists(c.pause_file) && !run->stop) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      UpdatePause(run, -1, 0);
    }
    RunTxn(run, MakeTxnId(thread, seq));
    if (c.txn_pause_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(c.txn_pause_us));
    if (c.load_pace_us > 0 && run->acked >= c.txns) std::this_thread::sleep_for(std::chrono::microseconds(c.load_pace_us));
  }
  UpdatePause(run, 0, 1);
}

Status OpenDatabase(DB_ENV* env, const WorkloadConfig& c, const char* file, DBTYPE type, DB** out) {
  DB* db = nullptr;
  int ret = db_create(&db, env, 0);
  if (ret != 0) return BdbFailure("db_create", ret);
  if (type == DB_QUEUE && ((ret = db->set_re_len(db, kQueueRecordBytes)) != 0 ||
                           (ret = db->set_q_extentsize(db, kQueuePagesPerExtent)) != 0)) {
    db->close(db, 0);
    return Status::IOError(fmt::format("unable to configure queue database '{}': {}", file, db_strerror(ret)));
  }
  if ((ret = db->set_pagesize(db, c.page_size)) != 0 || (c.checksums && (ret = db->set_flags(db, DB_CHKSUM)) != 0) ||
      (!c.password.empty() && (ret = db->set_flags(db, DB_ENCRYPT)) != 0) ||
      (ret = db->open(db, nullptr, file, nullptr, type, DB_CREATE | DB_AUTO_COMMIT | DB_THREAD, 0644)) != 0) {
    db->close(db, 0);
    return Status::IOError(fmt::format("unable to open database '{}': {}", file, db_strerror(ret)));
  }
  *out = db;
  return Status::OK();
}

Status OpenEnvironment(const WorkloadConfig& c, Run* run) {
  int ret = db_env_create(&run->env, 0);
  if (ret != 0) return BdbFailure("db_env_create", ret);
  DB_ENV* env = run->env;
  env->set_errcall(env, OnBdbError);
  if ((ret = env->set_lk_detect(env, DB_LOCK_DEFAULT)) != 0) return BdbFailure("DB_ENV->set_lk_detect", ret);
  const uint32_t sync_flag = c.durability == CommitDurability::kNoSync        ? DB_TXN_NOSYNC
                             : c.durability == CommitDurability::kWriteNoSync ? DB_TXN_WRITE_NOSYNC
                                                                              : 0;
  if (sync_flag != 0 && (ret = env->set_flags(env, sync_flag, 1)) != 0) return BdbFailure("DB_ENV->set_flags", ret);
  if (!c.password.empty() && (ret = env->set_encrypt(env, c.password.c_str(), DB_ENCRYPT_AES)) != 0)
    return BdbFailure("DB_ENV->set_encrypt", ret);
  uint32_t flags = DB_CREATE | DB_INIT_TXN | DB_INIT_LOG | DB_INIT_LOCK | DB_INIT_MPOOL | DB_THREAD;
  if ((ret = env->open(env, c.home.c_str(), flags, 0644)) != 0)
    return Status::IOError(fmt::format("unable to open environment '{}': {}", c.home, db_strerror(ret)));
  BDB_RETURN_IF_ERROR(OpenDatabase(env, c, "a.db", DB_BTREE, &run->a));
  BDB_RETURN_IF_ERROR(OpenDatabase(env, c, "b.db", DB_HASH, &run->b));
  if (c.queue) BDB_RETURN_IF_ERROR(OpenDatabase(env, c, kQueueFile, DB_QUEUE, &run->q));
  return Status::OK();
}

// With close_nosync the databases' dirty pages stay in the environment's
// cache (its region files) until someone checkpoints: the log makes them
// recoverable, as DB->close documents for transactional applications.
void CloseEnvironment(Run* run) {
  const uint32_t flags = run->config->close_nosync ? DB_NOSYNC : 0;
  if (run->a != nullptr) run->a->close(run->a, flags);
  if (run->b != nullptr) run->b->close(run->b, flags);
  if (run->q != nullptr) run->q->close(run->q, flags);
  if (run->env != nullptr) run->env->close(run->env, 0);
  run->a = run->b = run->q = nullptr;
  run->env = nullptr;
}

// SIGUSR1: read n from the arm file and crash at the n-th hooked write from now.
char g_crash_arm_path[PATH_MAX];
void OnCrashArmSignal(int) {
  const int saved = errno;
  char buf[32] = {};
  const int fd = ::open(g_crash_arm_path, O_RDONLY);
  if (fd >= 0) {
    const ssize_t got = ::read(fd, buf, sizeof(buf) - 1);
    ::close(fd);
    uint64_t n = 0;
    for (ssize_t i = 0; i < got && buf[i] >= '0' && buf[i] <= '9'; ++i) n = n * 10 + static_cast<uint64_t>(buf[i] - '0');
    if (n != 0) ArmCrashAfterWrites(n);
  }
  errno = saved;
}

Status InstallCrashArmSignal(const std::string& path) {
  if (path.size() >= sizeof(g_crash_arm_path)) return Status::InvalidArgument("crash arm file path is too long");
  std::memcpy(g_crash_arm_path, path.c_str(), path.size() + 1);
  struct sigaction sa {};
  sa.sa_handler = OnCrashArmSignal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  if (::sigaction(SIGUSR1, &sa, nullptr) != 0) return Status::FromErrno(errno, "unable to install the SIGUSR1 handler");
  return Status::OK();
}

}  // namespace

Status PrepareWorkloadHome(const WorkloadConfig& c) {
  std::vector<std::string> dirs = {c.home, c.home + "/log"};
  if (!c.data_dir.empty()) dirs.push_back(c.home + "/" + c.data_dir);
  for (const std::string& dir : dirs)
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
      return Status::FromErrno(errno, fmt::format("unable to create directory '{}'", dir));
  std::string path = c.home + "/DB_CONFIG";
  if (FileExists(path)) return Status::OK();
  std::string text = fmt::format("set_lg_dir log\nset_lg_max {}\nset_cachesize 0 {} 1\n", c.log_file_bytes, c.cache_bytes);
  if (!c.data_dir.empty()) text += fmt::format("set_data_dir {}\n", c.data_dir);
  if (c.log_auto_remove) text += "log_set_config DB_LOG_AUTO_REMOVE\n";  // BDB 5.3's spelling
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return Status::FromErrno(errno, fmt::format("unable to write file '{}'", path));
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = (std::fflush(f) == 0) && ok && fsync(fileno(f)) == 0;
  int err = errno;
  std::fclose(f);
  if (!ok) return Status::FromErrno(err, fmt::format("unable to write file '{}'", path));
  return Status::OK();
}

Status RunWorkload(const WorkloadConfig& config, int out_fd, WorkloadStats* stats) {
  BDB_RETURN_IF_ERROR(ValidateWorkloadConfig(config));
  BDB_RETURN_IF_ERROR(PrepareWorkloadHome(config));
  if (!config.journal_path.empty() || config.crash_at_write != 0 || config.io_error_nth != 0 ||
      !config.load_file.empty() || !config.crash_arm_file.empty()) {
    IoHookOptions hooks;
    hooks.home = config.home;
    hooks.journal_path = config.journal_path;
    hooks.crash_at_write = config.crash_at_write;
    BDB_RETURN_IF_ERROR(InstallIoHooks(hooks));
  }
  if (!config.crash_arm_file.empty()) BDB_RETURN_IF_ERROR(InstallCrashArmSignal(config.crash_arm_file));
  IoErrorInjector io_errors;  // disarms when the run ends
  if (config.io_error_nth != 0) {
    IoFault fault;
    fault.op = config.io_error_op == WorkloadIoOp::kWrite ? IoOp::kWrite : IoOp::kFsync;
    fault.nth_call = config.io_error_nth;
    fault.error = config.io_error_errno;
    fault.short_write = config.io_error_short_write;
    BDB_RETURN_IF_ERROR(
        io_errors.ArmPoint(fault.op == IoOp::kWrite ? kWorkloadWritePoint : kWorkloadFsyncPoint, fault));
  }
  Run run;
  run.config = &config;
  run.out_fd = out_fd;
  Status s = OpenEnvironment(config, &run);
  if (s.ok()) {
    run.Emit("R");
    std::vector<std::thread> writers;
    std::thread checkpointer(Checkpointer, &run);
    for (uint32_t t = 0; t < config.threads; ++t) writers.emplace_back(Writer, &run, t);
    for (std::thread& w : writers) w.join();
    {
      std::lock_guard<std::mutex> lock(run.checkpoint_mu);
      run.writers_done = true;
      run.checkpoint_cv.notify_one();
    }
    checkpointer.join();
    s = run.error;
  }
  stats->acked = run.acked;
  stats->aborted = run.aborted;
  stats->deadlock_retries = run.deadlocks;
  stats->checkpoints = run.checkpoints;
  if (s.ok()) {
    run.Emit("D");
    pid_t parent = getppid();
    // Held open on purpose: the harness kills the process (a crash with the env open).
    while (config.hold_after_done && getppid() == parent) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CloseEnvironment(&run);
  return s;
}

}  // namespace bdb::sim
