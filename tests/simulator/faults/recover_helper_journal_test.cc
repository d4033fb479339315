// bdbsim-recover, the simulator's build of the recovery helper: Berkeley DB's
// own writes during catastrophic recovery of a target (a restore, a standby)
// go into the power-loss journal with absolute paths, count toward the
// agent's planned cut through the shared counter, and a cut inside the
// recovery rolls back what BDB had not fsynced. Real BDB, real processes.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstring>
#include <map>

#include <gtest/gtest.h>

#include "base/file_io.h"
#include "simulator/faults/journaled_file_io.h"
#include "simulator/faults/power_loss_journal.h"
#include "simulator/faults/power_loss_records.h"
#include "simulator/faults/shared_cut_counter.h"
#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb::sim {
namespace {

constexpr int kCommits = 60;

// One journal record's type and path, in journal order.
struct Record {
  uint32_t type;
  std::string path;
};

std::vector<Record> ReadRecords(const std::string& journal) {
  const std::string buf = ReadFileContents(journal);
  std::vector<Record> records;
  size_t at = 0;
  while (at + sizeof(RecordHeader) <= buf.size()) {
    RecordHeader h;
    std::memcpy(&h, buf.data() + at, sizeof h);
    EXPECT_EQ(h.magic, kRecordMagic);
    if (h.magic != kRecordMagic) break;
    records.push_back({h.type, buf.substr(at + sizeof h, h.path_len)});
    at += sizeof h + h.path_len + h.old_len + ((h.type == kWrite || h.type == kRename) ? h.length : 0);
  }
  return records;
}

std::string RealPath(const std::string& path) {
  char buf[PATH_MAX];
  return realpath(path.c_str(), buf) != nullptr ? buf : path;
}

// A target as a hot backup leaves it before recovery: the databases copied
// while still empty, the log copied after 60 commits, so catastrophic
// recovery must redo every one of them into the database pages.
class RecoverHelperJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(CreateTestEnvironment(dir_.Sub("src")).ok());
    ASSERT_EQ(RunProcess({"cp", "-a", dir_.Sub("src"), target()}).exit_code, 0);
    std::unique_ptr<TestWriter> writer;
    ASSERT_TRUE(TestWriter::Open(dir_.Sub("src"), &writer).ok());
    ASSERT_TRUE(writer->Commit(kCommits).ok());
    writer.reset();
    ASSERT_EQ(RunProcess({"cp", "-a", dir_.Sub("src/log/."), target() + "/log/"}).exit_code, 0);
    ASSERT_EQ(RunProcess({"sh", "-c", "rm -f " + target() + "/__db.*"}).exit_code, 0);
    before_ = ReadFileContents(JoinPath(target(), kBtreeDb));
    ASSERT_FALSE(before_.empty());
  }

  std::string target() const { return dir_.Sub("target"); }
  std::string journal() const { return dir_.Sub("journal"); }
  std::string counter() const { return dir_.Sub("counter"); }

  // Runs bdbsim-recover on the target with the journal (and the counter).
  ProcessResult Recover(bool with_counter) {
    std::vector<std::string> argv = {"env", std::string(kRecoverJournalEnv) + "=" + journal()};
    if (with_counter) argv.push_back(std::string(kRecoverCutCounterEnv) + "=" + counter());
    argv.insert(argv.end(), {BDBSIM_RECOVER_BIN, "catastrophic", target()});
    return RunProcess(argv);
  }

  // A counter as the agent creates it for a cut from phase "recovery".
  std::unique_ptr<SharedCutCounter> RecoveryCounter(uint64_t nth) {
    std::unique_ptr<SharedCutCounter> c;
    EXPECT_TRUE(SharedCutCounter::Create(counter(), WritePhase::kRecovery, nth, &c).ok());
    return c;
  }

  PowerLossResult Cut(PowerLossMode mode) {
    PowerLossResult r;
    Status s = ApplyPowerLoss(journal(), dir_.Sub("src"), 1, mode, &r);
    EXPECT_TRUE(s.ok()) << s.message();
    return r;
  }

  TempDir dir_{"bdbsim-recover-test"};
  std::string before_;  // a.db of the target before recovery
};

TEST_F(RecoverHelperJournalTest, JournalsBdbRecoveryWritesOfTheTargetWithAbsolutePaths) {
  const ProcessResult p = Recover(false);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_NE(p.out.find("\"code\":\"OK\""), std::string::npos) << p.out;
  const std::string prefix = RealPath(target()) + "/";
  uint64_t writes = 0, syncs = 0;
  for (const Record& r : ReadRecords(journal())) {
    EXPECT_EQ(r.path.compare(0, prefix.size(), prefix), 0) << r.path;
    writes += r.type == kWrite;
    syncs += r.type == kSync;
  }
  EXPECT_GT(writes, 0u);
  EXPECT_GT(syncs, 0u);
  EXPECT_NE(before_, ReadFileContents(JoinPath(target(), kBtreeDb)));  // recovery redid the commits
}

TEST_F(RecoverHelperJournalTest, RecoveryHasFsyncedEveryWriteWhenTheHelperAnswers) {
  // BDB's recovery ends with a checkpoint that flushes and fsyncs the pages
  // it redid, and the log: a cut right after the helper answered loses nothing.
  ASSERT_EQ(Recover(false).exit_code, 0);
  const PowerLossResult r = Cut(PowerLossMode::kNone);
  EXPECT_EQ(r.unsynced_writes, 0u) << r.Describe();
  std::map<std::string, std::string> a;
  ASSERT_TRUE(ReadDatabase(target(), kBtreeDb, &a).ok());
  EXPECT_EQ(a.size(), static_cast<size_t>(kCommits));
}

TEST_F(RecoverHelperJournalTest, ACutInsideRecoveryLosesItsUnsyncedWrites) {
  // Learn where BDB's first fsync comes (the run is deterministic), on a copy.
  ASSERT_EQ(RunProcess({"cp", "-a", target(), dir_.Sub("pristine")}).exit_code, 0);
  {
    auto c = RecoveryCounter(UINT64_MAX);
    ASSERT_EQ(Recover(true).exit_code, 0);
    EXPECT_GT(c->state()->since_from.load(), 0u);
    EXPECT_EQ(c->state()->helper_cut.load(), 0u);
  }
  uint64_t first_sync = 0, writes_before = 0;
  for (const Record& r : ReadRecords(journal())) {
    ++first_sync;
    if (r.type == kSync) break;
    writes_before += r.type == kWrite;
  }
  ASSERT_GT(writes_before, 0u);
  ASSERT_EQ(RunProcess({"rm", "-rf", target(), journal()}).exit_code, 0);
  ASSERT_EQ(RunProcess({"cp", "-a", dir_.Sub("pristine"), target()}).exit_code, 0);

  // Now cut power just before that fsync.
  auto c = RecoveryCounter(first_sync);
  const ProcessResult p = Recover(true);
  EXPECT_EQ(p.exit_code, 128 + SIGKILL) << p.err;
  EXPECT_EQ(c->state()->helper_cut.load(), 1u);
  const std::string marker = c->state()->marker;
  EXPECT_EQ(marker.rfind(kAgentPowerCutMarker, 0), 0u) << marker;
  EXPECT_NE(marker.find("(recovery): bdb fsync '"), std::string::npos) << marker;
  const PowerLossResult r = Cut(PowerLossMode::kNone);
  EXPECT_EQ(r.unsynced_writes, writes_before) << r.Describe();
  EXPECT_EQ(r.dropped_writes, writes_before);
  EXPECT_EQ(before_, ReadFileContents(JoinPath(target(), kBtreeDb)));  // every redo rolled back
}

TEST(JournaledFileIOHelperCutTest, TheAgentDiesAtItsNextOperationAfterTheHelperCut) {
  TempDir dir;
  ASSERT_TRUE(DefaultFileIO()->MakeDir(dir.Sub("home"), 0700).ok());
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::unique_ptr<FileOpJournal> journal;
    if (!FileOpJournal::Open(dir.Sub("journal"), dir.Sub("home"), dir.Sub("kept"), &journal).ok()) _exit(3);
    std::unique_ptr<SharedCutCounter> counter;
    if (!SharedCutCounter::Create(dir.Sub("counter"), WritePhase::kRestore, 5, &counter).ok()) _exit(4);
    std::strcpy(counter->state()->marker, "helper marker");
    counter->state()->helper_cut = 1;
    JournaledFileIO io(DefaultFileIO(), journal.get(), PhaseDirs{dir.Sub("repo"), dir.Sub("home"), dir.Sub("t")},
                       AgentCutPoint{WritePhase::kRestore, 5}, counter.get());
    io.MakeDir(dir.Sub("t"), 0700);  // killed before it
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  FileInfo info;
  ASSERT_TRUE(DefaultFileIO()->Stat(dir.Sub("t"), &info).ok());
  EXPECT_FALSE(info.exists);
}

}  // namespace
}  // namespace bdb::sim
