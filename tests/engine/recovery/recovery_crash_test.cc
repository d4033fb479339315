// A crash inside Berkeley DB during recovery or DB->verify (made deterministic
// by the test hook BDBACKUP_RECOVER_TEST_CRASH=<stage>:<signal>, which the
// bdbackup-recover helper of a test build honours by raising the signal from
// BDB's own feedback callback) becomes a clear error in this process, which
// lives on: recovery functions, RunRestore (nothing half-restored), RunVerify
// and the standby update; and the helper's own failure modes, exact texts.
// One test needs no hook: database files copied before DB_TXN_BULK
// transactions plus the log after them really crash BDB 5.3's recovery.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <thread>

#include "engine/backup/backup.h"
#include "engine/recovery/recovery.h"
#include "engine/recovery/recovery_helper.h"
#include "engine/repository/repository.h"
#include "engine/restore/restore.h"
#include "engine/backup/standby.h"
#include "engine/restore/verify.h"
#include "tests/support/bulk_writer.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

namespace fs = std::filesystem;

// Sets an environment variable (inherited by the helper) for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) { ::setenv(name, value.c_str(), 1); }
  ~ScopedEnv() { ::unsetenv(name_); }

 private:
  const char* name_;
};

void RequireTestHooks() {
#ifndef BDBACKUP_TEST_HOOKS
  GTEST_SKIP() << "built with -DBDBACKUP_TEST_HOOKS=OFF: the helper ignores BDBACKUP_RECOVER_TEST_CRASH";
#endif
}

std::vector<std::string> Listing(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

class RecoveryCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = tmp_.Sub("home");
    repo_ = tmp_.Sub("repo");
    TestEnvOptions opts;
    opts.checksums = true;
    opts.log_file_bytes = 64 * 1024;
    ASSERT_TRUE(CreateTestEnvironment(home_, opts).ok());
    ASSERT_TRUE(TestWriter::Open(home_, &writer_).ok());
    ASSERT_TRUE(writer_->Commit(200).ok());
    ctx_ = DefaultEngineContext();
  }

  std::string Backup(const std::string& mode, bool recover_as_you_go = false, Status* status = nullptr) {
    BackupOutcome out;
    Status s = RunBackup(ctx_, BackupRequest{home_, repo_, ModeNamed(mode), false, recover_as_you_go}, &out);
    if (status != nullptr) {
      *status = s;
    } else {
      EXPECT_TRUE(s.ok()) << s.message();
    }
    return out.manifest.id;
  }

  // A recovered copy of the live environment (a hot backup restored).
  std::string RestoredCopy(const std::string& name) {
    const std::string id = Backup("hot");
    RestoreOutcome out;
    const std::string target = tmp_.Sub(name);
    Status s = RunRestore(ctx_, RestoreRequest{repo_, target, id, "", "", false}, &out);
    EXPECT_TRUE(s.ok()) << s.message();
    return target;
  }

  TempDir tmp_;
  std::string home_, repo_;
  std::unique_ptr<TestWriter> writer_;
  EngineContext ctx_;
};

TEST_F(RecoveryCrashTest, DefaultHelperIsNextToTheRunningExecutableUnlessOverridden) {
  EXPECT_EQ(DefaultRecoveryHelperPath(), BDBACKUP_RECOVER_BIN);
  EXPECT_EQ(ctx_.recovery_helper, BDBACKUP_RECOVER_BIN);
  ScopedEnv env("BDBACKUP_RECOVER_HELPER", "/opt/x/bdbackup-recover");
  EXPECT_EQ(DefaultRecoveryHelperPath(), "/opt/x/bdbackup-recover");
  EXPECT_EQ(DefaultEngineContext().recovery_helper, "/opt/x/bdbackup-recover");
}

TEST_F(RecoveryCrashTest, CrashesInsideBerkeleyDbBecomeCheckFailedNamingTheSignal) {
  RequireTestHooks();
  const std::string copy = RestoredCopy("copy");
  {
    ScopedEnv crash("BDBACKUP_RECOVER_TEST_CRASH", "recover:SIGSEGV");
    Status s = RecoverCatastrophic(copy, std::nullopt);
    EXPECT_EQ(s.code(), Status::Code::kCheckFailed);
    EXPECT_EQ(s.message(), "recovery of environment '" + copy + "' crashed inside Berkeley DB: SIGSEGV");
    s = RecoverNormal(copy, RecoveryRun{"", "backup 'X'"});
    EXPECT_EQ(s.code(), Status::Code::kCheckFailed);
    EXPECT_EQ(s.message(), "recovery of backup 'X' crashed inside Berkeley DB: SIGSEGV");
    EXPECT_TRUE(VerifyDatabases(copy, {"a.db", "b.db"}).ok());  // the hook is for recovery only
  }
  {
    // glibc's own line for heap corruption is the helper's last stderr line.
    ScopedEnv crash("BDBACKUP_RECOVER_TEST_CRASH", "recover:SIGABRT");
    Status s = RecoverCatastrophic(copy, static_cast<int64_t>(std::time(nullptr)) + 3600);
    EXPECT_EQ(s.code(), Status::Code::kCheckFailed);
    EXPECT_EQ(s.message(), "recovery of environment '" + copy +
                               "' crashed inside Berkeley DB: SIGABRT (free(): invalid pointer "
                               "(BDBACKUP_RECOVER_TEST_CRASH))");
  }
  {
    ScopedEnv crash("BDBACKUP_RECOVER_TEST_CRASH", "verify:SIGSEGV");
    Status s = VerifyDatabases(copy, {"b.db", "a.db"});
    EXPECT_EQ(s.code(), Status::Code::kCheckFailed);
    EXPECT_EQ(s.message(), "DB->verify of database 'b.db' crashed inside Berkeley DB: SIGSEGV");
    EXPECT_TRUE(RecoverNormal(copy).ok());
  }
  {
    // A kill from outside (the OOM killer) is not a check failure.
    ScopedEnv crash("BDBACKUP_RECOVER_TEST_CRASH", "recover:SIGKILL");
    Status s = RecoverNormal(copy);
    EXPECT_EQ(s.code(), Status::Code::kIOError);
    EXPECT_EQ(s.message(), "recovery of environment '" + copy + "' was killed by SIGKILL");
  }
  {
    ScopedEnv crash("BDBACKUP_RECOVER_TEST_CRASH", "verify:SIGKILL");
    Status s = VerifyDatabases(copy, {"a.db"});
    EXPECT_EQ(s.code(), Status::Code::kIOError);
    EXPECT_EQ(s.message(), "DB->verify of database 'a.db' was killed by SIGKILL");
  }
  // The copy was never harmed: recovery and verify pass again.
  ASSERT_TRUE(RecoverCatastrophic(copy, std::nullopt).ok());
  EXPECT_TRUE(VerifyDatabases(copy, {"a.db", "b.db"}).ok());
}

// bdbsim recovers from several threads at once: each crash is its own error.
TEST_F(RecoveryCrashTest, ConcurrentCrashesFromSeveralThreadsAreEachReported) {
  RequireTestHooks();
  const std::string first = RestoredCopy("copy-0");
  std::vector<std::string> copies = {first};
  for (int i = 1; i < 4; ++i) {
    copies.push_back(tmp_.Sub("copy-" + std::to_string(i)));
    fs::copy(first, copies.back(), fs::copy_options::recursive);
  }
  for (const bool crash : {true, false}) {
    std::unique_ptr<ScopedEnv> env;
    if (crash) env = std::make_unique<ScopedEnv>("BDBACKUP_RECOVER_TEST_CRASH", "recover:SIGSEGV");
    std::vector<Status> results(copies.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < copies.size(); ++i)
      threads.emplace_back([&, i] { results[i] = RecoverCatastrophic(copies[i], std::nullopt); });
    for (auto& t : threads) t.join();
    for (size_t i = 0; i < copies.size(); ++i) {
      if (crash) {
        EXPECT_EQ(results[i].message(), "recovery of environment '" + copies[i] + "' crashed inside Berkeley DB: SIGSEGV");
      } else {
        EXPECT_TRUE(results[i].ok()) << results[i].message();
      }
    }
  }
}

TEST_F(RecoveryCrashTest, HelperThatCannotRunOrDoesNotAnswerIsAnIOError) {
  const std::string copy = RestoredCopy("copy");
  Status s = RecoverCatastrophic(copy, std::nullopt, RecoveryRun{tmp_.Sub("absent/bdbackup-recover"), ""});
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_EQ(s.message(), "unable to run the recovery helper '" + tmp_.Sub("absent/bdbackup-recover") +
                             "': No such file or directory");
  s = RecoverNormal(copy, RecoveryRun{"/bin/false", ""});
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_EQ(s.message(), "the recovery helper '/bin/false' exited with status 1 without an answer");
  s = VerifyDatabases(copy, {"a.db"}, RecoveryRun{"/bin/ls", ""});  // prints, but no answer
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_EQ(s.message().rfind("the recovery helper '/bin/ls' exited with status 2 without an answer: ", 0), 0u)
      << s.message();
  HelperAnswer answer = RunRecoveryHelper(BDBACKUP_RECOVER_BIN, {"frob", copy});
  EXPECT_EQ(answer.signal, 0);
  EXPECT_EQ(answer.status.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(answer.status.message(),
            "usage: bdbackup-recover catastrophic HOME [UNTIL_UNIX_SECONDS] | normal HOME | verify HOME DB...");
  answer = RunRecoveryHelper(BDBACKUP_RECOVER_BIN, {"catastrophic", copy, "soon"});
  EXPECT_EQ(answer.status.code(), Status::Code::kInvalidArgument);
  // The engine's own context names the helper too.
  ctx_.recovery_helper = tmp_.Sub("absent/bdbackup-recover");
  VerifyOutcome verified;
  s = RunVerify(ctx_, VerifyRequest{repo_, "latest", tmp_.path()}, &verified);
  EXPECT_EQ(s.code(), Status::Code::kCheckFailed);
  const std::string id = verified.backup_id;
  EXPECT_EQ(s.message(), "trial restore of backup '" + id + "' failed: unable to run the recovery helper '" +
                             tmp_.Sub("absent/bdbackup-recover") + "': No such file or directory");
}

TEST_F(RecoveryCrashTest, RestoreWhoseRecoveryCrashesLeavesNothingHalfRestored) {
  RequireTestHooks();
  const std::string id = Backup("hot");
  ASSERT_TRUE(writer_->Commit(50).ok());
  const std::string inc = Backup("incremental");
  const std::string expected = "recovery of backup '" + inc + "' crashed inside Berkeley DB: SIGSEGV";
  RestoreOutcome out;
  {
    ScopedEnv crash("BDBACKUP_RECOVER_TEST_CRASH", "recover:SIGSEGV");
    // A target restore creates is removed.
    const std::string absent = tmp_.Sub("absent");
    Status s = RunRestore(ctx_, RestoreRequest{repo_, absent, "latest", "", "", false}, &out);
    EXPECT_EQ(s.code(), Status::Code::kCheckFailed);
    EXPECT_EQ(s.message(), expected);
    EXPECT_FALSE(fs::exists(absent));
    // An empty target stays, empty.
    const std::string empty = tmp_.Sub("empty");
    fs::create_directory(empty);
    s = RunRestore(ctx_, RestoreRequest{repo_, empty, inc, "", "", false}, &out);
    EXPECT_EQ(s.message(), expected);
    EXPECT_TRUE(Listing(empty).empty());
    // --force cleared the old contents before copying: the target is left empty.
    const std::string forced = tmp_.Sub("forced");
    fs::create_directory(forced);
    std::ofstream(forced + "/old-file") << "x";
    s = RunRestore(ctx_, RestoreRequest{repo_, forced, inc, "", "", true}, &out);
    EXPECT_EQ(s.message(), expected);
    EXPECT_TRUE(Listing(forced).empty());
    // Point in time: the same.
    s = RunRestore(ctx_, RestoreRequest{repo_, absent, id, "2037-12-31T00:00:00Z", "", false}, &out);
    EXPECT_EQ(s.message(), "recovery of backup '" + id + "' crashed inside Berkeley DB: SIGSEGV");
    EXPECT_FALSE(fs::exists(absent));
  }
  // Without the crash the same restore works into the same target.
  Status s = RunRestore(ctx_, RestoreRequest{repo_, tmp_.Sub("empty"), inc, "", "", false}, &out);
  ASSERT_TRUE(s.ok()) << s.message();
  std::map<std::string, std::string> a;
  ASSERT_TRUE(ReadDatabase(tmp_.Sub("empty"), kBtreeDb, &a).ok());
  EXPECT_EQ(a.size(), 250u);
}

TEST_F(RecoveryCrashTest, VerifyReportsACrashInRecoveryOrInDbVerifyAndRemovesItsScratch) {
  RequireTestHooks();
  const std::string id = Backup("hot");
  const std::string scratch = tmp_.Sub("scratch");
  fs::create_directory(scratch);
  VerifyOutcome out;
  {
    ScopedEnv crash("BDBACKUP_RECOVER_TEST_CRASH", "recover:SIGSEGV");
    Status s = RunVerify(ctx_, VerifyRequest{repo_, "latest", scratch}, &out);
    EXPECT_EQ(s.code(), Status::Code::kCheckFailed);
    EXPECT_EQ(s.message(), "recovery of backup '" + id + "' crashed inside Berkeley DB: SIGSEGV");
    EXPECT_TRUE(Listing(scratch).empty());
  }
  {
    ScopedEnv crash("BDBACKUP_RECOVER_TEST_CRASH", "verify:SIGABRT");
    Status s = RunVerify(ctx_, VerifyRequest{repo_, "latest", scratch}, &out);
    EXPECT_EQ(s.code(), Status::Code::kCheckFailed);
    EXPECT_EQ(s.message(), "backup '" + id +
                               "': DB->verify of database 'a.db' crashed inside Berkeley DB: SIGABRT (free(): "
                               "invalid pointer (BDBACKUP_RECOVER_TEST_CRASH))");
    EXPECT_TRUE(Listing(scratch).empty());
  }
  Status s = RunVerify(ctx_, VerifyRequest{repo_, "latest", scratch}, &out);
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(out.databases_verified, (std::vector<std::string>{"a.db", "b.db"}));
  EXPECT_TRUE(Listing(scratch).empty());
}

TEST_F(RecoveryCrashTest, StandbyUpdateReportsTheCrashAndIsRebuiltNextTime) {
  RequireTestHooks();
  std::unique_ptr<Repository> repo;
  Status s;
  std::string full;
  {
    ScopedEnv crash("BDBACKUP_RECOVER_TEST_CRASH", "recover:SIGSEGV");
    // A rebuild (the first standby): nothing is left beside the repository.
    full = Backup("hot", true, &s);
    EXPECT_EQ(s.code(), Status::Code::kCheckFailed);
    EXPECT_EQ(s.message(), "backup '" + full + "' was published, but the standby was not updated: recovery of "
                           "the standby at backup '" + full + "' crashed inside Berkeley DB: SIGSEGV");
    EXPECT_FALSE(fs::exists(repo_ + "/standby.partial"));
    EXPECT_FALSE(fs::exists(repo_ + "/standby"));
  }
  ASSERT_TRUE(writer_->Commit(20).ok());
  const std::string inc1 = Backup("incremental", true);
  ASSERT_TRUE(Repository::Open(ctx_.io, repo_, false, &repo).ok());
  StandbyState state;
  ASSERT_TRUE(ReadStandbyState(ctx_.io, repo.get(), &state).ok());
  EXPECT_TRUE(state.ready);
  EXPECT_EQ(state.applied, inc1);
  {
    // Applying an incremental in place: the standby is marked not ready.
    ScopedEnv crash("BDBACKUP_RECOVER_TEST_CRASH", "recover:SIGSEGV");
    ASSERT_TRUE(writer_->Commit(20).ok());
    const std::string inc2 = Backup("incremental", true, &s);
    EXPECT_EQ(s.message(), "backup '" + inc2 + "' was published, but the standby was not updated: recovery of "
                           "the standby at backup '" + inc2 + "' crashed inside Berkeley DB: SIGSEGV");
    ASSERT_TRUE(ReadStandbyState(ctx_.io, repo.get(), &state).ok());
    EXPECT_FALSE(state.ready);
  }
  ASSERT_TRUE(writer_->Commit(20).ok());
  const std::string inc3 = Backup("incremental", true);
  ASSERT_TRUE(ReadStandbyState(ctx_.io, repo.get(), &state).ok());
  EXPECT_TRUE(state.ready);
  EXPECT_EQ(state.applied, inc3);
  std::map<std::string, std::string> a;
  ASSERT_TRUE(ReadDatabase(repo->standby_dir(), kBtreeDb, &a).ok());
  EXPECT_EQ(a.size(), 260u);
}

// No test hook: BDB 5.3.28 itself dies with SIGSEGV recovering database files
// copied before bulk-optimized transactions with the log written after them
// (db5.3_recover -c crashes on the same files).
TEST(RealBerkeleyDbCrashTest, RecoveryOfLogsMissingBulkPagesIsAnErrorNotADeath) {
  TempDir tmp;
  const std::string home = tmp.Sub("home"), damaged = tmp.Sub("damaged");
  ASSERT_TRUE(CreateTestEnvironment(home).ok());
  ASSERT_TRUE(CommitBulkRecords(home, "bulk.db", 0, 1000).ok());
  fs::copy(home, damaged, fs::copy_options::recursive);
  ASSERT_TRUE(CommitBulkRecords(home, "bulk.db", 1000, 20000).ok());
  fs::copy(home + "/log", damaged + "/log", fs::copy_options::overwrite_existing | fs::copy_options::recursive);
  for (int i = 0; i < 2; ++i) {  // deterministic: the same crash every time
    Status s = RecoverCatastrophic(damaged, std::nullopt, RecoveryRun{"", "backup 'bulk'"});
    EXPECT_EQ(s.code(), Status::Code::kCheckFailed);
    EXPECT_EQ(s.message(), "recovery of backup 'bulk' crashed inside Berkeley DB: SIGSEGV");
  }
  // The whole environment (files and log of the same moment) recovers.
  ASSERT_TRUE(RecoverCatastrophic(home, std::nullopt).ok());
  EXPECT_TRUE(VerifyDatabases(home, {"a.db", "b.db", "bulk.db"}).ok());
}

}  // namespace
}  // namespace bdb
