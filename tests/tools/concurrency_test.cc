// Two bdbackup commands on one repository never interleave: the second exits 3
// with the exact message, or waits with --lock-wait. An archive started while a
// hot backup holds the repository lock cannot remove a log the backup still has
// to copy (the backup is frozen with SIGSTOP mid-copy to make the overlap
// certain), and the published backup lists every log from its first to its
// last. A cold backup refuses an environment another process has open (exit 3).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/engine_context.h"
#include "base/file_io.h"
#include "engine/bdb/log_names.h"
#include "engine/repository/repository.h"
#include "base/subprocess.h"
#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A bdbackup child running in the background; stdout/stderr go to files.
class Child {
 public:
  Child(const std::vector<std::string>& args, const std::string& out_prefix)
      : out_(out_prefix + ".out"), err_(out_prefix + ".err") {
    SpawnSpec spec;
    spec.argv = {BDBACKUP_BIN};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    spec.out = ChildOutput::File(out_, /*append=*/false);
    spec.err = ChildOutput::File(err_, /*append=*/false);
    Status s = Subprocess::Start(spec, &child_);
    EXPECT_TRUE(s.ok()) << s.message();
  }
  pid_t pid() const { return child_->pid(); }
  // Waits (at most 60 s) and returns the exit code (128 + signal if killed), or -1 on timeout.
  int Wait() {
    ProcessExit exit;
    return child_->Wait(60000, &exit) ? exit.ShellCode() : -1;
  }
  bool Running() { return child_->Running(); }
  std::string err() const { return ReadFileContents(err_); }
  std::string out() const { return ReadFileContents(out_); }

 private:
  std::string out_, err_;
  std::unique_ptr<Subprocess> child_;  // SIGKILLed and reaped if still running at the end
};

class ConcurrencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = tmp_.Sub("home");
    repo_ = tmp_.Sub("repo");
    TestEnvOptions opts;
    opts.log_file_bytes = 64 * 1024;
    ASSERT_TRUE(CreateTestEnvironment(home_, opts).ok());
  }

  void Commit(int n) {
    std::unique_ptr<TestWriter> writer;
    ASSERT_TRUE(TestWriter::Open(home_, &writer).ok());
    if (used_ids_ > 0) {
      ASSERT_TRUE(writer->Abort(used_ids_).ok());
    }
    ASSERT_TRUE(writer->Commit(n).ok());
    used_ids_ += n;
  }

  ProcessResult Run(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"timeout", "-k", "5", "60", BDBACKUP_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProcess(argv);
  }

  TempDir tmp_{"bdbackup-concurrency"};
  std::string home_, repo_;
  int used_ids_ = 0;
};

TEST_F(ConcurrencyTest, SecondCommandOnALockedRepositoryExits3OrWaits) {
  Commit(100);
  ASSERT_EQ(Run({"backup", "--home", home_, "--repo", repo_, "--mode", "hot"}).exit_code, 0);
  // Hold the lock the way a running bdbackup does (Repository::Lock).
  EngineContext ctx = DefaultEngineContext();
  std::unique_ptr<Repository> repo;
  ASSERT_TRUE(Repository::Open(ctx.io, repo_, false, &repo).ok());
  std::unique_ptr<FileLock> lock;
  ASSERT_TRUE(repo->Lock(0, &lock).ok());
  const std::string busy = "bdbackup: error: repository '" + repo_ + "' is locked by another bdbackup process\n";
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"backup", "--home", home_, "--repo", repo_, "--mode", "hot"},
        std::vector<std::string>{"backup", "--home", home_, "--repo", repo_, "--mode", "incremental"},
        std::vector<std::string>{"archive", "--home", home_, "--repo", repo_}}) {
    ProcessResult r = Run(args);
    EXPECT_EQ(r.exit_code, 3) << args[0];
    EXPECT_EQ(r.err, busy);
  }
  EXPECT_EQ(fs::directory_iterator(repo_ + "/backups") != fs::directory_iterator(), true);
  size_t backups = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(repo_ + "/backups")) ++backups;
  EXPECT_EQ(backups, 1u) << "a refused command wrote a backup";
  // With --lock-wait the second command waits for the first and then runs.
  Child waiting({"backup", "--home", home_, "--repo", repo_, "--mode", "hot", "--lock-wait", "30"}, tmp_.Sub("w"));
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(waiting.Running()) << waiting.err();
  lock.reset();
  EXPECT_EQ(waiting.Wait(), 0) << waiting.err();
  // A --lock-wait that runs out ends with the same exit 3.
  ASSERT_TRUE(repo->Lock(0, &lock).ok());
  ProcessResult r = Run({"archive", "--home", home_, "--repo", repo_, "--lock-wait", "1"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, busy);
}

TEST_F(ConcurrencyTest, ArchiveBesideAHotBackupCannotRemoveALogTheBackupNeeds) {
  Commit(1500);  // enough logs that the backup copies for a while
  std::vector<uint32_t> logs_at_start;
  for (const auto& e : fs::directory_iterator(home_ + "/log")) {
    uint32_t n = 0;
    if (ParseLogFileName(e.path().filename().string(), &n)) logs_at_start.push_back(n);
  }
  std::sort(logs_at_start.begin(), logs_at_start.end());
  ASSERT_GE(logs_at_start.size(), 5u);
  // Start the hot backup and freeze it as soon as its staging directory exists.
  bool caught = false;
  for (int attempt = 0; attempt < 5 && !caught; ++attempt) {
    fs::remove_all(repo_);
    Child backup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot"}, tmp_.Sub("b"));
    for (int i = 0; i < 200000 && backup.Running(); ++i) {
      bool partial = false;
      if (fs::exists(repo_ + "/backups"))
        for (const auto& e : fs::directory_iterator(repo_ + "/backups"))
          partial = partial || e.path().extension() == ".partial";
      if (partial) {
        ::kill(backup.pid(), SIGSTOP);
        caught = true;
        break;
      }
    }
    if (!caught) {
      ASSERT_EQ(backup.Wait(), 0) << backup.err();
      continue;
    }
    // The frozen backup holds the lock: an archive is refused (exit 3), removing nothing.
    ProcessResult r = Run({"archive", "--home", home_, "--repo", repo_});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    for (uint32_t n : logs_at_start) EXPECT_TRUE(fs::exists(home_ + "/log/" + LogFileName(n))) << n;
    // An archive told to wait runs only after the backup has published.
    Child archive({"archive", "--home", home_, "--repo", repo_, "--lock-wait", "60", "--checkpoint"}, tmp_.Sub("a"));
    std::this_thread::sleep_for(300ms);
    EXPECT_TRUE(archive.Running()) << archive.err();
    for (uint32_t n : logs_at_start) EXPECT_TRUE(fs::exists(home_ + "/log/" + LogFileName(n))) << n;
    ::kill(backup.pid(), SIGCONT);
    ASSERT_EQ(backup.Wait(), 0) << backup.err();
    ASSERT_EQ(archive.Wait(), 0) << archive.err();
    EXPECT_FALSE(fs::exists(home_ + "/log/" + LogFileName(logs_at_start.front()))) << "the archive did run after";
  }
  ASSERT_TRUE(caught) << "the hot backup finished before it could be frozen";
  // The backup's manifest lists every log from its first to its last, and it verifies.
  std::string id;
  for (const auto& e : fs::directory_iterator(repo_ + "/backups")) id = e.path().filename().string();
  auto manifest = nlohmann::json::parse(ReadFileContents(repo_ + "/backups/" + id + "/manifest.json"));
  std::set<uint32_t> listed;
  for (const auto& f : manifest["files"]) {
    uint32_t n = 0;
    if (f["kind"] == "log" && ParseLogFileName(fs::path(f["path"].get<std::string>()).filename().string(), &n))
      listed.insert(n);
  }
  ASSERT_FALSE(listed.empty());
  EXPECT_EQ(*listed.begin(), logs_at_start.front());
  EXPECT_EQ(listed.size(), *listed.rbegin() - *listed.begin() + 1) << "the backup's log range has a hole";
  ProcessResult v = Run({"verify", "--repo", repo_});
  EXPECT_EQ(v.exit_code, 0) << v.err;
}

TEST_F(ConcurrencyTest, ColdBackupRefusesAnEnvironmentInUse) {
  Commit(50);
  std::unique_ptr<TestWriter> writer;
  ASSERT_TRUE(TestWriter::Open(home_, &writer).ok());
  ProcessResult r = Run({"backup", "--home", home_, "--repo", repo_, "--mode", "cold"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "bdbackup: error: environment '" + home_ + "' is in use: 1 other process (pid " +
                       std::to_string(::getpid()) + "); a cold backup needs it idle (use --mode hot)\n");
  EXPECT_TRUE(fs::is_empty(repo_ + "/backups"));
  writer.reset();
  r = Run({"backup", "--home", home_, "--repo", repo_, "--mode", "cold"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
}  // namespace bdb
