// `bdbackup backup --mode incremental --every SECONDS`: repeated incrementals
// from one process, driven like a user drives them (the real binary in a
// child process): a chain that restores every commit acknowledged before the
// last backup began, no backup while nothing is new, a locked repository
// skipping a turn, SIGTERM/SIGINT ending the loop cleanly between backups,
// and bad usage refused with one line and exit 2.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "engine/repository/backup_id.h"
#include "base/subprocess.h"
#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

using nlohmann::json;

// Every line of stdout parsed as one JSON document.
std::vector<json> JsonLines(const std::string& out) {
  std::vector<json> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    try {
      lines.push_back(json::parse(line));
    } catch (const json::exception& e) {
      ADD_FAILURE() << "not a JSON document (" << e.what() << "): " << line;
    }
  }
  return lines;
}

class BdbackupEveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = tmp_.Sub("home");
    repo_ = tmp_.Sub("repo");
    TestEnvOptions opts;
    opts.checksums = true;
    opts.log_file_bytes = 64 * 1024;  // the loop crosses log files
    ASSERT_TRUE(CreateTestEnvironment(home_, opts).ok());
    ASSERT_TRUE(TestWriter::Open(home_, &writer_).ok());
    ASSERT_TRUE(writer_->Commit(50).ok());
    ProcessResult full = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot", "--json"});
    ASSERT_EQ(full.exit_code, 0) << full.err;
    full_id_ = json::parse(full.out).value("id", "");
  }

  std::vector<std::string> Loop(const std::string& every, const std::string& count) {
    return {"backup", "--home", home_, "--repo", repo_, "--mode", "incremental", "--every", every, "--count", count,
            "--json"};
  }

  TempDir tmp_;
  std::string home_, repo_, full_id_;
  std::unique_ptr<TestWriter> writer_;
};

TEST_F(BdbackupEveryTest, ChainOfIncrementalsWhileAWriterCommitsRestoresEveryEarlierAck) {
  writer_->StartBackground(std::chrono::microseconds(500));
  std::vector<std::string> args = Loop("0.3", "3");
  args.push_back("--recover-as-you-go");  // a hot failover, kept current by the loop
  ProcessResult r = RunBdbackup(args);
  ASSERT_TRUE(writer_->StopBackground().ok());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::vector<json> lines = JsonLines(r.out);
  ASSERT_EQ(lines.size(), 4u) << r.out;  // three turns and the summary
  std::string parent = full_id_;
  int64_t last_start_ms = 0;
  for (int i = 0; i < 3; ++i) {
    const json& turn = lines[i];
    EXPECT_EQ(turn["ok"], true) << turn;
    EXPECT_EQ(turn["turn"], i + 1);
    EXPECT_EQ(turn["mode"], "incremental");
    EXPECT_EQ(turn["parent"], parent) << "each backup chains to the one before";
    EXPECT_GT(turn["duration_ms"].get<double>(), 0.0);
    EXPECT_EQ(turn["standby_updated"], true);
    parent = turn.value("id", "");
    ASSERT_TRUE(ParseUtcTimestamp(turn.value("start_time", ""), &last_start_ms).ok());
  }
  EXPECT_EQ(lines[3]["repeat"]["published"], 3);
  EXPECT_EQ(lines[3]["repeat"]["stopped_by"], "count");
  EXPECT_EQ(lines[3]["ok"], true);

  // The last one restores, BDB's way, every commit acknowledged before it began.
  ProcessResult verify = RunBdbackup({"verify", "--repo", repo_});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  const std::string target = tmp_.Sub("restored");
  ProcessResult restore = RunBdbackup({"restore", "--repo", repo_, "--target", target, "--backup", parent});
  ASSERT_EQ(restore.exit_code, 0) << restore.err;
  std::map<std::string, std::string> a;
  ASSERT_TRUE(ReadDatabase(target, kBtreeDb, &a).ok());
  size_t checked = 0;
  for (const AckedCommit& c : writer_->acked()) {
    const int64_t at_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(c.at.time_since_epoch()).count();
    if (at_ms >= last_start_ms) continue;
    ++checked;
    auto it = a.find(c.key);
    ASSERT_NE(it, a.end()) << "acknowledged txn " << c.id << " is missing";
    EXPECT_EQ(it->second, TestValue(c.id));
  }
  EXPECT_GT(checked, 50u);  // more than the commits before the full backup
  std::map<std::string, std::string> standby;
  ASSERT_TRUE(ReadDatabase(repo_ + "/standby", kBtreeDb, &standby).ok());
  EXPECT_EQ(standby, a) << "the standby holds what the last backup restores";
}

TEST_F(BdbackupEveryTest, NothingNewMeansNoNewBackup) {
  ASSERT_TRUE(writer_->Commit(10).ok());
  ProcessResult first = RunBdbackup(Loop("0.1", "1"));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const std::string last_id = JsonLines(first.out).at(0).value("id", "");
  ASSERT_FALSE(last_id.empty()) << first.out;  // the 10 commits moved the log

  ProcessResult r = RunBdbackup(Loop("0.1", "3"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> lines = JsonLines(r.out);
  ASSERT_EQ(lines.size(), 4u) << r.out;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(lines[i]["unchanged"], true) << lines[i];
    EXPECT_EQ(lines[i]["parent"], last_id);
    EXPECT_FALSE(lines[i].contains("id")) << lines[i];
  }
  EXPECT_EQ(lines[3]["repeat"]["published"], 0);
  EXPECT_EQ(lines[3]["repeat"]["unchanged"], 3);
  ProcessResult list = RunBdbackup({"list", "--repo", repo_, "--json"});
  EXPECT_EQ(json::parse(list.out)["backups"].size(), 2u);  // the full one and the first incremental

  // Text mode says so in words.
  ProcessResult text = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "incremental", "--every", "0.1",
                                 "--count", "1"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("nothing new since backup " + last_id), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("0 incremental backups published, 1 turns with nothing new, 0 skipped; stopped by --count"),
            std::string::npos)
      << text.out;
}

// Child: takes the repository's lock as another bdbackup would, for a while.
pid_t HoldRepositoryLock(const std::string& repo, int ms) {
  int ready[2];
  if (::pipe(ready) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open((repo + "/lock").c_str(), O_RDWR | O_CREAT, 0600);
    const char ok = fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) == 0 ? 'y' : 'n';
    if (::write(ready[1], &ok, 1) != 1) ::_exit(3);
    ::usleep(static_cast<useconds_t>(ms) * 1000);
    ::_exit(0);
  }
  char ok = 'n';
  ::close(ready[1]);
  if (::read(ready[0], &ok, 1) != 1 || ok != 'y') ok = 'n';
  ::close(ready[0]);
  return ok == 'y' ? pid : -1;
}

TEST_F(BdbackupEveryTest, LockedRepositorySkipsATurnAndTheLoopGoesOn) {
  ASSERT_TRUE(writer_->Commit(20).ok());
  pid_t holder = HoldRepositoryLock(repo_, 700);
  ASSERT_GT(holder, 0);
  ProcessResult r = RunBdbackup(Loop("0.5", "3"));  // turns at 0, 0.5 and 1.0 s; the lock is gone at 0.7 s
  ::waitpid(holder, nullptr, 0);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> lines = JsonLines(r.out);
  ASSERT_EQ(lines.size(), 4u) << r.out;
  EXPECT_EQ(lines[0]["skipped"], true) << lines[0];
  EXPECT_EQ(lines[0]["error"]["exit_code"], 3);
  EXPECT_EQ(lines[0]["error"]["message"], "repository '" + repo_ + "' is locked by another bdbackup process");
  EXPECT_EQ(lines[2]["ok"], true) << lines[2];  // the lock is gone by the last turn
  // Turns 2 and 3 fall before or after the release depending on the machine's
  // pace; once one turn has published, a later one finds nothing new.
  const int skipped = lines[3]["repeat"]["skipped"], published = lines[3]["repeat"]["published"],
            unchanged = lines[3]["repeat"]["unchanged"];
  EXPECT_EQ(skipped, lines[1].value("skipped", false) ? 2 : 1);
  EXPECT_EQ(published, 1);
  EXPECT_EQ(skipped + published + unchanged, 3);
  EXPECT_EQ(r.err, "");  // with --json the skipped turn is told on stdout only
}

TEST_F(BdbackupEveryTest, LockedRepositoryWarnsInTextMode) {
  ASSERT_TRUE(writer_->Commit(20).ok());
  pid_t holder = HoldRepositoryLock(repo_, 400);
  ASSERT_GT(holder, 0);
  ProcessResult r = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "incremental", "--every", "0.8",
                              "--count", "2"});
  ::waitpid(holder, nullptr, 0);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "bdbackup: warning: backup 1 skipped, trying again in 0.8 s: repository '" + repo_ +
                       "' is locked by another bdbackup process\n");
  EXPECT_NE(r.out.find("1 incremental backups published, 0 turns with nothing new, 1 skipped"), std::string::npos)
      << r.out;
}

// Starts the loop with stdout into a file.
std::unique_ptr<Subprocess> StartLoop(const std::vector<std::string>& args, const std::string& out_path) {
  SpawnSpec spec;
  spec.argv = {BDBACKUP_BIN};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.out = ChildOutput::File(out_path, /*append=*/false);
  spec.err = ChildOutput::Inherit();
  std::unique_ptr<Subprocess> loop;
  EXPECT_TRUE(Subprocess::Start(spec, &loop).ok());
  return loop;
}

TEST_F(BdbackupEveryTest, SigtermAndSigintEndTheLoopBetweenBackups) {
  writer_->StartBackground(std::chrono::microseconds(500));
  for (int sig : {SIGTERM, SIGINT}) {
    const std::string out = tmp_.Sub("loop-" + std::to_string(sig) + ".out");
    std::unique_ptr<Subprocess> loop = StartLoop(
        {"backup", "--home", home_, "--repo", repo_, "--mode", "incremental", "--every", "0.2", "--json"}, out);
    ASSERT_NE(loop, nullptr);
    // Wait for two published backups, then ask it to stop.
    for (int i = 0; i < 300 && JsonLines(ReadFileContents(out)).size() < 2; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_TRUE(loop->Signal(sig).ok());
    ProcessExit exit;
    ASSERT_TRUE(loop->Wait(-1, &exit));
    EXPECT_EQ(exit.Describe(), "exit code 0");
    std::vector<json> lines = JsonLines(ReadFileContents(out));
    ASSERT_GE(lines.size(), 3u);
    EXPECT_EQ(lines.back()["repeat"]["stopped_by"], "signal") << lines.back();
    EXPECT_EQ(lines.back()["ok"], true);
  }
  ASSERT_TRUE(writer_->StopBackground().ok());
  // Nothing half-written: no .partial, and the latest verifies.
  ProcessResult ls = RunProcess({"/bin/ls", repo_ + "/backups"});
  EXPECT_EQ(ls.out.find(".partial"), std::string::npos) << ls.out;
  ProcessResult verify = RunBdbackup({"verify", "--repo", repo_});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
}

TEST_F(BdbackupEveryTest, BadUsageIsExitTwoWithOneLineAndNoBackup) {
  const std::string prefix = "bdbackup: error: bad usage: ";
  struct Case {
    std::vector<std::string> extra;
    std::string mode, what;
  };
  const std::vector<Case> cases = {
      {{"--every", "1"}, "hot", "--every repeats incremental backups: use it with --mode incremental (take the full "
                                "backup first)"},
      {{"--every", "0"}, "incremental", "--every needs a positive number of seconds"},
      {{"--every", "-3"}, "incremental", "--every needs a positive number of seconds"},
      {{"--every", "1", "--count", "0"}, "incremental", "--count needs a positive number of backups"},
      {{"--count", "2"}, "incremental", "--count requires --every"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"backup", "--home", home_, "--repo", repo_, "--mode", c.mode};
    args.insert(args.end(), c.extra.begin(), c.extra.end());
    ProcessResult r = RunBdbackup(args);
    EXPECT_EQ(r.exit_code, 2) << c.what;
    EXPECT_EQ(r.err, prefix + c.what + "\n");
    EXPECT_EQ(r.out, "");
  }
  ProcessResult list = RunBdbackup({"list", "--repo", repo_, "--json"});
  EXPECT_EQ(json::parse(list.out)["backups"].size(), 1u);  // only the full backup
}

}  // namespace
}  // namespace bdb
