// bdbackup never hangs and never wedges silently, through the real binary:
// a call into BDB that does not return (another process stopped inside its own
// checkpoint) ends bdbackup with exit 4 within --env-timeout and one line naming
// the call, the processes and the remedy, with nothing published or removed;
// a process that died inside BDB is named up front by failchk where the
// environment has a thread table; SIGTERM during a BDB call waits for the call;
// bad --env-timeout values are bad usage. `archive` checkpoints only when asked.
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>
#include <thread>

#include <gtest/gtest.h>

#include "engine/bdb/log_names.h"
#include "engine/bdb/region_users.h"
#include "base/subprocess.h"
#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string ErrorLine(const std::string& what) { return "bdbackup: error: " + what + "\n"; }

std::string WedgedMessage(const std::string& call, const std::string& home, double seconds, const std::string& who) {
  std::ostringstream t;
  t << seconds;
  return call + " on environment '" + home + "' did not return within " + t.str() +
         " s: the environment is wedged (a Berkeley DB mutex or lock is held by a stopped process or by one that "
         "died inside Berkeley DB); processes with its regions mapped: " + who +
         "; the application must run recovery: stop every process using the environment, then run db5.3_recover -h '" +
         home + "'";
}

// Waits up to ms for one byte on fd; 0 if none came.
char ReadByte(int fd, int ms) {
  struct pollfd p = {fd, POLLIN, 0};
  if (::poll(&p, 1, ms) != 1) return 0;
  char c = 0;
  return ::read(fd, &c, 1) == 1 ? c : 0;
}

// A child process that joins home, dirties `records` pages' worth of a.db and
// then runs its own forced checkpoint: it writes 'c' on a pipe just before
// txn_checkpoint and 'd' when it returned. StopInsideCheckpoint sends `sig`
// (SIGSTOP or SIGKILL) while the checkpoint runs, retrying with more dirty
// data if the checkpoint was over first.
class CheckpointingChild {
 public:
  ~CheckpointingChild() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }

  bool StopInsideCheckpoint(const std::string& home, int sig) {
    for (int records : {20000, 60000, 150000}) {
      int fds[2];
      if (::pipe(fds) != 0) return false;
      pid_ = ::fork();
      if (pid_ == 0) {
        ::close(fds[0]);
        RunChild(home, records, fds[1]);
      }
      ::close(fds[1]);
      const bool started = ReadByte(fds[0], 60000) == 'c';
      if (started) std::this_thread::sleep_for(std::chrono::milliseconds(30));
      ::kill(pid_, sig);
      const bool finished = ReadByte(fds[0], 0) == 'd';
      ::close(fds[0]);
      if (sig == SIGKILL) {  // reaped: a dead process, not a zombie
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
      }
      if (started && !finished) return true;
      if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
      }
    }
    return false;
  }

  void Continue() { ::kill(pid_, SIGCONT); }

 private:
  [[noreturn]] static void RunChild(const std::string& home, int records, int fd) {
    DB_ENV* env = nullptr;
    DB* db = nullptr;
    if (db_env_create(&env, 0) != 0 || env->open(env, home.c_str(), DB_JOINENV, 0) != 0) ::_exit(10);
    env->set_flags(env, DB_TXN_WRITE_NOSYNC, 1);
    if (db_create(&db, env, 0) != 0 || db->open(db, nullptr, kBtreeDb, nullptr, DB_BTREE, DB_AUTO_COMMIT, 0) != 0)
      ::_exit(11);
    std::string value(1000, 'w');
    for (int i = 0; i < records; ++i) {
      std::string key = "wedge" + std::to_string(i);
      DBT k = {}, v = {};
      k.data = key.data();
      k.size = static_cast<uint32_t>(key.size());
      v.data = value.data();
      v.size = static_cast<uint32_t>(value.size());
      if (db->put(db, nullptr, &k, &v, DB_AUTO_COMMIT) != 0) ::_exit(12);
    }
    if (::write(fd, "c", 1) != 1) ::_exit(13);
    env->txn_checkpoint(env, 0, 0, DB_FORCE);
    if (::write(fd, "d", 1) != 1) ::_exit(14);
    for (;;) ::pause();
  }

  pid_t pid_ = -1;
};

// Starts bdbackup with stdout and stderr into files.
std::unique_ptr<Subprocess> StartBdbackup(const std::vector<std::string>& args, const std::string& out,
                                          const std::string& err) {
  SpawnSpec spec;
  spec.argv = {BDBACKUP_BIN};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.out = ChildOutput::File(out, /*append=*/false);
  spec.err = ChildOutput::File(err, /*append=*/false);
  std::unique_ptr<Subprocess> child;
  EXPECT_TRUE(Subprocess::Start(spec, &child).ok());
  return child;
}

std::vector<std::string> Listing(const std::string& dir) {
  std::vector<std::string> names;
  if (!fs::exists(dir)) return names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

class BdbackupWatchdogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = tmp_.Sub("home");
    repo_ = tmp_.Sub("repo");
    TestEnvOptions opts;
    opts.log_file_bytes = 1 << 20;      // several logs, so archive has something to move
    opts.cache_bytes = 128 << 20;       // the child's dirty pages stay in the cache until its checkpoint
    ASSERT_TRUE(CreateTestEnvironment(home_, opts).ok());
    std::unique_ptr<TestWriter> writer;
    ASSERT_TRUE(TestWriter::Open(home_, &writer).ok());
    ASSERT_TRUE(writer->Commit(2000).ok());
    ASSERT_TRUE(writer->Checkpoint().ok());
    ASSERT_TRUE(writer->Commit(10).ok());
  }

  std::vector<std::string> Logs() const { return Listing(home_ + "/log"); }

  TempDir tmp_{"bdbackup-watchdog"};
  std::string home_, repo_;
};

TEST_F(BdbackupWatchdogTest, ACheckpointThatDoesNotReturnEndsWithExitFourNamingCallAndProcess) {
  CheckpointingChild child;
  ASSERT_TRUE(child.StopInsideCheckpoint(home_, SIGSTOP));
  const std::vector<std::string> logs_before = Logs();
  // Exit 4 with the wedge message is the watchdog's doing: without it the call waits for ever.
  ProcessResult r = RunBdbackup({"archive", "--home", home_, "--repo", repo_, "--checkpoint", "--env-timeout", "1"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.err, ErrorLine(WedgedMessage("DB_ENV->txn_checkpoint", home_, 1,
                                           "pid " + std::to_string(child.pid()) + " (stopped)")));
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(Logs(), logs_before);                       // nothing removed
  EXPECT_EQ(Listing(repo_ + "/archive"), std::vector<std::string>{});  // nothing archived
}

TEST_F(BdbackupWatchdogTest, HotBackupTimingOutPublishesNothingAndJsonSaysSo) {
  CheckpointingChild child;
  ASSERT_TRUE(child.StopInsideCheckpoint(home_, SIGSTOP));
  ProcessResult r = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot", "--checkpoint",
                                 "--env-timeout", "0.5", "--json"});
  EXPECT_EQ(r.exit_code, 4);
  const std::string message =
      WedgedMessage("DB_ENV->txn_checkpoint", home_, 0.5, "pid " + std::to_string(child.pid()) + " (stopped)");
  EXPECT_EQ(r.err, ErrorLine(message));
  json doc = json::parse(r.out);
  EXPECT_EQ(doc["ok"], false);
  EXPECT_EQ(doc["command"], "backup");
  EXPECT_EQ(doc["error"]["code"], "IOError");
  EXPECT_EQ(doc["error"]["exit_code"], 4);
  EXPECT_EQ(doc["error"]["message"], message);
  for (const auto& name : Listing(repo_ + "/backups")) EXPECT_NE(name.find(".partial"), std::string::npos) << name;
  ProcessResult list = RunBdbackup({"list", "--repo", repo_, "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_TRUE(json::parse(list.out)["backups"].empty()) << list.out;
}

TEST_F(BdbackupWatchdogTest, ArchiveReliesOnTheApplicationsCheckpointsAndDoesNotWaitOnAStoppedOne) {
  CheckpointingChild child;
  ASSERT_TRUE(child.StopInsideCheckpoint(home_, SIGSTOP));
  ProcessResult r = RunBdbackup({"archive", "--home", home_, "--repo", repo_, "--env-timeout", "5", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json doc = json::parse(r.out);
  ASSERT_FALSE(doc["archived"].empty()) << r.out;  // the application's checkpoint (SetUp) freed these
  for (uint32_t n : doc["archived"].get<std::vector<uint32_t>>()) {
    EXPECT_TRUE(fs::exists(repo_ + "/archive/" + LogFileName(n)));
    EXPECT_FALSE(fs::exists(home_ + "/log/" + LogFileName(n)));
  }
}

TEST_F(BdbackupWatchdogTest, SigtermDuringABdbCallWaitsForItThenStopsWithoutArchiving) {
  CheckpointingChild child;
  ASSERT_TRUE(child.StopInsideCheckpoint(home_, SIGSTOP));
  const std::vector<std::string> logs_before = Logs();
  const std::string out = tmp_.Sub("out"), err = tmp_.Sub("err");
  std::unique_ptr<Subprocess> bdbackup =
      StartBdbackup({"archive", "--home", home_, "--repo", repo_, "--checkpoint", "--env-timeout", "60"}, out, err);
  ASSERT_NE(bdbackup, nullptr);
  const pid_t pid = bdbackup->pid();
  // Once it has joined the environment, its next call is the checkpoint that waits on the child's.
  for (int i = 0; i < 600; ++i) {
    std::vector<pid_t> users = ProcessesMappingRegions(home_);
    if (std::find(users.begin(), users.end(), pid) != users.end()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_TRUE(bdbackup->Signal(SIGTERM).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(bdbackup->Running()) << "bdbackup left the BDB call on SIGTERM";
  child.Continue();  // the child's checkpoint ends, then bdbackup's
  ProcessExit exit;
  ASSERT_TRUE(bdbackup->Wait(-1, &exit));
  EXPECT_EQ(exit.Describe(), "killed by signal " + std::to_string(SIGTERM));  // as an interrupted command always ended
  EXPECT_EQ(ReadFileContents(err),
            ErrorLine("interrupted by SIGTERM: stopped when DB_ENV->txn_checkpoint on environment '" + home_ +
                      "' returned, before anything was published or removed"));
  EXPECT_EQ(Logs(), logs_before);
  EXPECT_EQ(Listing(repo_ + "/archive"), std::vector<std::string>{});
}

TEST_F(BdbackupWatchdogTest, SigtermOutsideBdbCallsStillEndsAtOnce) {
  ASSERT_EQ(RunBdbackup({"archive", "--home", home_, "--repo", repo_}).exit_code, 0);  // creates the repository
  int lock_fd = ::open((repo_ + "/lock").c_str(), O_RDWR | O_CREAT, 0600);
  ASSERT_EQ(::flock(lock_fd, LOCK_EX | LOCK_NB), 0);  // bdbackup waits for it, outside any BDB call
  const std::string out = tmp_.Sub("out"), err = tmp_.Sub("err");
  std::unique_ptr<Subprocess> bdbackup =
      StartBdbackup({"archive", "--home", home_, "--repo", repo_, "--lock-wait", "30"}, out, err);
  ASSERT_NE(bdbackup, nullptr);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_TRUE(bdbackup->Signal(SIGTERM).ok());
  // It ends while the lock is still held here: on the signal, not on getting the lock.
  ProcessExit exit;
  ASSERT_TRUE(bdbackup->Wait(-1, &exit));
  EXPECT_EQ(exit.Describe(), "killed by signal " + std::to_string(SIGTERM));
  EXPECT_EQ(ReadFileContents(err), "");
  ::close(lock_fd);
}

// An environment whose creator allocated a thread table (set_thread_count):
// BDB can tell that a process died inside the library.
Status CreateThreadTrackedEnvironment(const std::string& home) {
  TestEnvOptions opts;
  opts.cache_bytes = 128 << 20;
  BDB_RETURN_IF_ERROR(CreateTestEnvironment(home, opts));
  DB_ENV* env = nullptr;
  if (db_env_create(&env, 0) != 0 || env->remove(env, home.c_str(), DB_FORCE) != 0)
    return Status::IOError("remove regions");
  if (db_env_create(&env, 0) != 0) return Status::IOError("create");
  env->set_thread_count(env, 64);
  int ret = env->open(env, home.c_str(), DB_CREATE | DB_INIT_MPOOL | DB_INIT_LOG | DB_INIT_TXN | DB_INIT_LOCK | DB_THREAD,
                      0);
  env->close(env, 0);
  return ret == 0 ? Status::OK() : Status::IOError(db_strerror(ret));
}

TEST(BdbackupFailchkTest, AProcessThatDiedInsideBerkeleyDbIsNamedUpFront) {
  TempDir tmp("bdbackup-failchk");
  const std::string home = tmp.Sub("home"), repo = tmp.Sub("repo");
  ASSERT_TRUE(CreateThreadTrackedEnvironment(home).ok());
  {  // a healthy thread-tracked environment works as any other
    ProcessResult r = RunBdbackup({"backup", "--home", home, "--repo", repo, "--mode", "hot"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  CheckpointingChild child;
  ASSERT_TRUE(child.StopInsideCheckpoint(home, SIGKILL));
  const std::vector<std::string> before = Listing(home);
  ProcessResult r = RunBdbackup({"archive", "--home", home, "--repo", repo, "--env-timeout", "5"});
  EXPECT_EQ(r.exit_code, 4);
  const std::string prefix = "bdbackup: error: environment '" + home +
                             "' needs recovery: a process died inside Berkeley DB holding it (DB_ENV->failchk: ";
  const std::string suffix = "BDB1507 Thread died in Berkeley DB library); the application must run recovery: stop "
                             "every process using the environment, then run db5.3_recover -h '" + home + "'\n";
  EXPECT_EQ(r.err.compare(0, prefix.size(), prefix), 0) << r.err;
  ASSERT_GE(r.err.size(), suffix.size());
  EXPECT_EQ(r.err.substr(r.err.size() - suffix.size()), suffix) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
  EXPECT_EQ(Listing(home), before);
}

TEST(BdbackupEnvTimeoutUsageTest, BadValuesAreExitTwoWithOneLineAndCreateNothing) {
  TempDir tmp("bdbackup-envtimeout");
  const std::string home = tmp.Sub("home"), repo = tmp.Sub("repo");
  ASSERT_TRUE(CreateTestEnvironment(home).ok());
  for (const std::string bad : {"0", "-1", "abc", "nan", "inf", "", "5s", "1e999"}) {
    ProcessResult r = RunBdbackup({"archive", "--home", home, "--repo", repo, "--env-timeout", bad});
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_EQ(r.err, ErrorLine("bad usage: --env-timeout needs a positive number of seconds, not '" + bad + "'"));
    EXPECT_FALSE(fs::exists(repo)) << bad;
  }
  ProcessResult j = RunBdbackup({"backup", "--home", home, "--repo", repo, "--mode", "hot", "--env-timeout", "0",
                                 "--json"});
  EXPECT_EQ(j.exit_code, 2);
  EXPECT_EQ(json::parse(j.out)["error"]["message"],
            "bad usage: --env-timeout needs a positive number of seconds, not '0'");
  EXPECT_FALSE(fs::exists(repo));

  // As a --config key, like the other flags: a number, integer or not.
  const std::string config = tmp.Sub("bdbackup.toml");
  std::ofstream(config) << "env_timeout = 0\n";
  ProcessResult c = RunBdbackup({"archive", "--home", home, "--repo", repo, "--config", config});
  EXPECT_EQ(c.exit_code, 2);
  EXPECT_EQ(c.err, ErrorLine("bad usage: --env-timeout needs a positive number of seconds, not '0'"));
  EXPECT_FALSE(fs::exists(repo));
  std::ofstream(config) << "env_timeout = 2.5\n";
  ProcessResult ok = RunBdbackup({"archive", "--home", home, "--repo", repo, "--config", config});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  std::ofstream(config) << "[archive]\nenv_timeout = [1]\n";
  ProcessResult arr = RunBdbackup({"archive", "--home", home, "--repo", repo, "--config", config});
  EXPECT_EQ(arr.exit_code, 2);
  EXPECT_EQ(arr.err, ErrorLine("config file '" + config + "':2: key 'env_timeout' must be a string, a number or a boolean"));
}

}  // namespace
}  // namespace bdb
