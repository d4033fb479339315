// A crash inside Berkeley DB during recovery or DB->verify, through the real
// bdbackup binary: verify and restore exit 1 with one line naming the backup
// and the signal, restore leaves no target behind, a backup with
// --recover-as-you-go stays published and says the standby was not updated.
// The crash is made deterministic by BDBACKUP_RECOVER_TEST_CRASH, honoured by
// the bdbackup-recover helper of a test build (it raises the signal from BDB's
// own feedback callback). One test needs no hook: the first reported case, a hot
// backup then an incremental across DB_TXN_BULK transactions, on which BDB
// 5.3's recovery really dies with SIGSEGV.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/bulk_writer.h"
#include "base/subprocess.h"
#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

using json = nlohmann::json;


// The pids of pid's children (/proc/<pid>/task/<pid>/children), "" if none.
std::string Children(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
  std::string text;
  std::getline(in, text);
  return text;
}

// The state letter of /proc/<pid>/stat ('T' stopped, 'Z' zombie), or 0 if gone.
char ProcessState(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(in, text);
  const size_t paren = text.rfind(')');
  return paren == std::string::npos || paren + 2 >= text.size() ? 0 : text[paren + 2];
}

class RecoveryCrashCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
#ifndef BDBACKUP_TEST_HOOKS
    GTEST_SKIP() << "built with -DBDBACKUP_TEST_HOOKS=OFF: the helper ignores BDBACKUP_RECOVER_TEST_CRASH";
#endif
    home_ = tmp_.Sub("home");
    repo_ = tmp_.Sub("repo");
    TestEnvOptions opts;
    opts.log_file_bytes = 64 * 1024;
    ASSERT_TRUE(CreateTestEnvironment(home_, opts).ok());
    Commit(100);
  }

  void Commit(int n) {
    std::unique_ptr<TestWriter> writer;
    ASSERT_TRUE(TestWriter::Open(home_, &writer).ok());
    if (committed_ > 0) {
      ASSERT_TRUE(writer->Abort(committed_).ok());  // ids count from 1 again
    }
    ASSERT_TRUE(writer->Commit(n).ok());
    committed_ += n;
    ASSERT_TRUE(writer->Checkpoint().ok());
  }

  // bdbackup args with BDBACKUP_RECOVER_TEST_CRASH=crash ("" = none).
  static ProcessResult Run(const std::string& crash, std::vector<std::string> args) {
    std::vector<std::string> argv = {"env"};
    if (!crash.empty()) argv.push_back("BDBACKUP_RECOVER_TEST_CRASH=" + crash);
    argv.push_back(BDBACKUP_BIN);
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProcess(argv);
  }

  std::string Backup(const std::string& mode) {
    ProcessResult r = Run("", {"backup", "--home", home_, "--repo", repo_, "--mode", mode, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out).value("id", "");
  }

  TempDir tmp_;
  std::string home_, repo_;
  int committed_ = 0;
};

TEST_F(RecoveryCrashCliTest, VerifyExitsOneNamingTheBackupAndTheSignal) {
  const std::string id = Backup("hot");
  ProcessResult r = Run("recover:SIGSEGV", {"verify", "--repo", repo_});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "bdbackup: error: recovery of backup '" + id + "' crashed inside Berkeley DB: SIGSEGV\n");
  EXPECT_EQ(r.out, "");
  r = Run("recover:SIGSEGV", {"verify", "--repo", repo_, "--json"});
  EXPECT_EQ(r.exit_code, 1);
  json j = json::parse(r.out);
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["error"]["code"], "CheckFailed");
  EXPECT_EQ(j["error"]["exit_code"], 1);
  EXPECT_EQ(j["problem"], "recovery of backup '" + id + "' crashed inside Berkeley DB: SIGSEGV");
  r = Run("verify:SIGSEGV", {"verify", "--repo", repo_});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "bdbackup: error: backup '" + id +
                       "': DB->verify of database 'a.db' crashed inside Berkeley DB: SIGSEGV\n");
  r = Run("", {"verify", "--repo", repo_});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
}

TEST_F(RecoveryCrashCliTest, RestoreExitsOneAndLeavesNoTarget) {
  Backup("hot");
  Commit(30);
  const std::string inc = Backup("incremental");
  const std::string target = tmp_.Sub("target");
  ProcessResult r = Run("recover:SIGABRT", {"restore", "--repo", repo_, "--target", target});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "bdbackup: error: recovery of backup '" + inc +
                       "' crashed inside Berkeley DB: SIGABRT (free(): invalid pointer (BDBACKUP_RECOVER_TEST_CRASH))\n");
  EXPECT_EQ(r.out, "");
  EXPECT_NE(::access(target.c_str(), F_OK), 0) << "a half-restored target was left";
  // The helper cannot be run: exit 4, and again nothing is left.
  r = RunProcess({"env", "BDBACKUP_RECOVER_HELPER=" + tmp_.Sub("nope"), BDBACKUP_BIN, "restore", "--repo", repo_,
                  "--target", target});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.err, "bdbackup: error: unable to run the recovery helper '" + tmp_.Sub("nope") +
                       "': No such file or directory\n");
  EXPECT_NE(::access(target.c_str(), F_OK), 0);
  r = Run("", {"restore", "--repo", repo_, "--target", target});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, std::string> a;
  ASSERT_TRUE(ReadDatabase(target, kBtreeDb, &a).ok());
  EXPECT_EQ(a.size(), 130u);
}

TEST_F(RecoveryCrashCliTest, RecoverAsYouGoReportsTheCrashAndKeepsTheBackup) {
  Backup("hot");
  Commit(30);
  ProcessResult r = Run("recover:SIGSEGV", {"backup", "--home", home_, "--repo", repo_, "--mode", "incremental",
                                            "--recover-as-you-go"});
  EXPECT_EQ(r.exit_code, 1);
  const std::string prefix = "bdbackup: error: backup '";
  ASSERT_EQ(r.err.rfind(prefix, 0), 0u) << r.err;
  const std::string inc = r.err.substr(prefix.size(), r.err.find('\'', prefix.size()) - prefix.size());
  EXPECT_EQ(r.err, prefix + inc + "' was published, but the standby was not updated: recovery of the standby at "
                                  "backup '" + inc + "' crashed inside Berkeley DB: SIGSEGV\n");
  r = Run("", {"list", "--repo", repo_});
  EXPECT_NE(r.out.find(inc), std::string::npos) << r.out;
  EXPECT_NE(::access((repo_ + "/standby.partial").c_str(), F_OK), 0);
  Commit(10);
  r = Run("", {"backup", "--home", home_, "--repo", repo_, "--mode", "incremental", "--recover-as-you-go"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, std::string> a;
  ASSERT_TRUE(ReadDatabase(repo_ + "/standby", kBtreeDb, &a).ok());
  EXPECT_EQ(a.size(), 140u);
}

// A bdbackup killed while its helper is stuck inside BDB (the hook stops it)
// takes the helper with it: no recovery keeps writing into the target after
// bdbackup is gone, where a rerun of the restore would meet it.
TEST_F(RecoveryCrashCliTest, KilledBdbackupTakesItsHelperWithIt) {
  Backup("hot");
  const std::string target = tmp_.Sub("target");
  SpawnSpec spec;
  spec.argv = {BDBACKUP_BIN, "restore", "--repo", repo_, "--target", target};
  spec.env_set = {"BDBACKUP_RECOVER_TEST_CRASH=recover:SIGSTOP"};
  spec.out = spec.err = ChildOutput::DevNull();
  std::unique_ptr<Subprocess> child;
  ASSERT_TRUE(Subprocess::Start(spec, &child).ok());
  const pid_t bdbackup = child->pid();
  pid_t helper = 0;
  for (int i = 0; i < 1000 && helper == 0; ++i) {
    const std::string children = Children(bdbackup);
    if (!children.empty() && ProcessState(std::stoi(children)) == 'T') helper = std::stoi(children);
    if (helper == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_NE(helper, 0) << "bdbackup never had a stopped helper";
  child->Kill();
  for (int i = 0; i < 500 && ProcessState(helper) != 0 && ProcessState(helper) != 'Z'; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const char state = ProcessState(helper);
  EXPECT_TRUE(state == 0 || state == 'Z') << "the helper outlived bdbackup, state " << state;
  // The killed restore left its marker: a rerun redoes it without --force.
  ProcessResult r = Run("", {"restore", "--repo", repo_, "--target", target});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// A helper stuck inside BDB is a call that does not return: past
// --env-timeout bdbackup stops with exit 4 and one line naming it, and the
// helper dies with it; the target is left for the next restore to redo.
TEST_F(RecoveryCrashCliTest, StuckHelperMeetsTheWatchdog) {
  Backup("hot");
  const std::string target = tmp_.Sub("target");
  const auto started = std::chrono::steady_clock::now();
  ProcessResult r = Run("recover:SIGSTOP", {"restore", "--repo", repo_, "--target", target, "--env-timeout", "2"});
  const double took_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("bdbackup: error: catastrophic recovery (bdbackup-recover) on environment '" + target +
                       "' did not return within 2 s"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_LT(took_s, 30) << "the watchdog did not stop a stuck helper";
  // No helper is left stopped: it died with bdbackup.
  for (int i = 0; i < 200; ++i) {
    ProcessResult ps = RunProcess({"pgrep", "-f", "bdbackup-recover catastrophic " + target});
    if (ps.exit_code != 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_NE(RunProcess({"pgrep", "-f", "bdbackup-recover catastrophic " + target}).exit_code, 0);
  ProcessResult again = Run("", {"restore", "--repo", repo_, "--target", target});
  EXPECT_EQ(again.exit_code, 0) << again.err;
}

// The reported case: the chain's log misses the pages the bulk transactions
// made, and BDB 5.3.28 crashes recovering it (db5.3_recover -c too). The
// real binary refuses to publish such an incremental (exit 1, the reason and
// the remedy), so verify and restore never meet it; a chain that does crash
// recovery is RecoveryCrashCliTest's (the helper's crash hook) and
// RealBerkeleyDbCrashTest's (hand-made files) to test.
TEST(RealBerkeleyDbCrashCliTest, BulkChainThatWouldCrashRecoveryIsNeverPublished) {
  TempDir tmp;
  const std::string home = tmp.Sub("home"), repo = tmp.Sub("repo"), target = tmp.Sub("target");
  ASSERT_TRUE(CreateTestEnvironment(home).ok());
  ASSERT_TRUE(CommitBulkRecords(home, "bulk.db", 0, 1000).ok());
  ProcessResult r = RunBdbackup({"backup", "--home", home, "--repo", repo, "--mode", "hot"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(CommitBulkRecords(home, "bulk.db", 1000, 20000).ok());
  r = RunBdbackup({"backup", "--home", home, "--repo", repo, "--mode", "incremental"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("incremental backup of '" + home + "' refused: the log since backup '"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("take a hot backup with --hold-hotbackup"), std::string::npos) << r.err;
  // Nothing was published: verify and restore see the hot backup alone, and it restores.
  r = RunBdbackup({"verify", "--repo", repo});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = RunBdbackup({"restore", "--repo", repo, "--target", target});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
}  // namespace bdb
