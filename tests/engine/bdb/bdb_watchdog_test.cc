// Tests of the watchdog over BDB calls in-process: the wording of its verdict
// (shared and private environments), who maps an environment's regions, that
// an expired call never returns to its caller, and that a call that returns in
// time is left alone. The binary's behaviour is in tests/tools/bdbackup_watchdog_test.cc.
#include "engine/bdb/bdb_watchdog.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "engine/bdb/bdb_call.h"
#include "engine/bdb/bdb_environment.h"
#include "engine/bdb/region_users.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

TEST(BdbWatchdogTest, PrivateEnvironmentVerdictSaysToRaiseTheTimeout) {
  Status s = BdbWatchdog::ExpiryStatus({"DB_ENV->open with DB_RECOVER_FATAL", "/restore/target", false}, 2.5);
  EXPECT_TRUE(s.IsIOError());
  EXPECT_EQ(s.message(),
            "DB_ENV->open with DB_RECOVER_FATAL on environment '/restore/target' did not return within 2.5 s: a private "
            "environment no other process shares; if it only needs longer, raise --env-timeout");
}

TEST(BdbWatchdogTest, SharedEnvironmentVerdictNamesNoOtherProcessWhenNoneMapsIt) {
  TempDir tmp("bdbackup-watchdog-unit");
  Status s = BdbWatchdog::ExpiryStatus({"DB_ENV->log_archive", tmp.path(), true}, 60);
  EXPECT_EQ(s.message(), "DB_ENV->log_archive on environment '" + tmp.path() +
                             "' did not return within 60 s: the environment is wedged (a Berkeley DB mutex or lock is "
                             "held by a stopped process or by one that died inside Berkeley DB); processes with its "
                             "regions mapped: no other process; the application must run recovery: stop every process "
                             "using the environment, then run db5.3_recover -h '" + tmp.path() + "'");
}

TEST(RegionUsersTest, FindsTheProcessesMappingTheRegionsAndDescribesThem) {
  TempDir tmp("bdbackup-region-users");
  const std::string home = tmp.Sub("home");
  ASSERT_TRUE(CreateTestEnvironment(home).ok());
  EXPECT_TRUE(ProcessesMappingRegions(home).empty());
  std::unique_ptr<LiveEnvironment> env;
  ASSERT_TRUE(LiveEnvironment::Open(DefaultFileIO(), home, &env).ok());
  EXPECT_FALSE(env->checked_for_dead_processes());  // CreateTestEnvironment allocates no thread table
  EXPECT_EQ(ProcessesMappingRegions(home), std::vector<pid_t>{::getpid()});
  EXPECT_EQ(DescribeOtherPids({::getpid()}, ::getpid()), "no other process");
  EXPECT_EQ(DescribeOtherPids({1, ::getpid()}, ::getpid()), "pid 1");
  pid_t child = ::fork();
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  ::kill(child, SIGSTOP);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(DescribeOtherPids({1, child}, ::getpid()), "pids 1, " + std::to_string(child) + " (stopped)");
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
}

// In a child process: install a 0.2 s watchdog whose handler exits 42, then
// make a "BDB call" that sleeps past it. The caller must never get past it.
TEST(BdbWatchdogTest, AnExpiredCallNeverReturnsAndTheHandlerEndsTheProcess) {
  pid_t child = ::fork();
  if (child == 0) {
    BdbWatchdog::Install(0.2, [](const Status& s) {
      const bool named = s.message().rfind("slow call on environment '/nowhere' did not return within 0.2 s", 0) == 0;
      ::_exit(named ? 42 : 43);
    });
    int ret = 0;
    WatchedBdbCall({"quick call", "/nowhere"}, [] { return 7; }, &ret);
    if (ret != 7) ::_exit(44);
    WatchedBdbCall({"slow call", "/nowhere"}, [] {
      std::this_thread::sleep_for(std::chrono::milliseconds(600));  // returns after the deadline
      return 0;
    }, &ret);
    ::_exit(45);  // never reached: Disarm blocks once the deadline passed
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 42);
}

}  // namespace
}  // namespace bdb
