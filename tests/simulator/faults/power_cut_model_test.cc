// The file-system model of a power cut on the engine's side, rule by rule:
// operations made through JournaledFileIO (on the real file system) are
// journaled, then ApplyPowerLoss rewinds them. Each test states one rule of
// namespace_rollback.h / power_loss_journal.h.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/file_io.h"
#include "simulator/faults/journaled_file_io.h"
#include "simulator/faults/power_loss_journal.h"
#include "tests/support/test_env.h"

namespace bdb::sim {
namespace {

// A home (unused by most tests but required by the journal), a repository
// directory, and the journal, in one temporary directory: one disk to cut.
class Disk {
 public:
  Disk() {
    EXPECT_TRUE(DefaultFileIO()->MakeDir(dir_.Sub("home"), 0700).ok());
    EXPECT_TRUE(DefaultFileIO()->MakeDir(repo(), 0700).ok());
    Status s = FileOpJournal::Open(journal(), dir_.Sub("home"), dir_.Sub("kept"), &journal_);
    EXPECT_TRUE(s.ok()) << s.message();
    io_ = std::make_unique<JournaledFileIO>(DefaultFileIO(), journal_.get(),
                                            PhaseDirs{repo(), dir_.Sub("home"), ""}, AgentCutPoint{});
  }
  std::string repo() const { return dir_.Sub("repo"); }
  std::string journal() const { return dir_.Sub("journal"); }
  std::string At(const std::string& rel) const { return JoinPath(repo(), rel); }
  FileIO* io() { return io_.get(); }

  void Write(const std::string& rel, const std::string& contents, bool sync) {
    std::unique_ptr<WritableFile> f;
    ASSERT_TRUE(io_->CreateForWrite(At(rel), 0600, &f).ok());
    ASSERT_TRUE(f->Append(contents.data(), contents.size()).ok());
    if (sync) {
      ASSERT_TRUE(f->Sync().ok());
    }
    ASSERT_TRUE(f->Close().ok());
  }
  bool Exists(const std::string& rel) {
    FileInfo info;
    EXPECT_TRUE(DefaultFileIO()->Stat(At(rel), &info).ok());
    return info.exists;
  }
  PowerLossResult Cut(PowerLossMode mode, uint64_t seed = 1) {
    PowerLossResult result;
    Status s = ApplyPowerLoss(journal(), dir_.Sub("home"), seed, mode, &result);
    EXPECT_TRUE(s.ok()) << s.message();
    return result;
  }

 private:
  TempDir dir_;
  std::unique_ptr<FileOpJournal> journal_;
  std::unique_ptr<JournaledFileIO> io_;
};

class PowerCutModelTest : public ::testing::Test {
 protected:
  std::string repo() const { return disk_.repo(); }
  std::string At(const std::string& rel) const { return disk_.At(rel); }
  void Write(const std::string& rel, const std::string& contents, bool sync) { disk_.Write(rel, contents, sync); }
  bool Exists(const std::string& rel) { return disk_.Exists(rel); }
  PowerLossResult Cut(PowerLossMode mode, uint64_t seed = 1) { return disk_.Cut(mode, seed); }

  Disk disk_;
  FileIO* io_ = disk_.io();
};

TEST_F(PowerCutModelTest, SyncedFileInSyncedDirectoryKeepsItsBytes) {
  Write("a", "durable bytes", true);
  ASSERT_TRUE(io_->SyncDir(repo()).ok());
  const PowerLossResult r = Cut(PowerLossMode::kNone);
  EXPECT_EQ(ReadFileContents(At("a")), "durable bytes");
  EXPECT_EQ(r.unsynced_writes, 0u);
  EXPECT_EQ(r.directory_changes, 0u);
}

TEST_F(PowerCutModelTest, UnsyncedWritesOfADurableFileAreLost) {
  Write("a", "v1", true);
  ASSERT_TRUE(io_->SyncDir(repo()).ok());
  Write("a", "version two", false);  // CreateForWrite truncates: a truncate and a write, neither synced
  Cut(PowerLossMode::kNone);
  EXPECT_EQ(ReadFileContents(At("a")), "v1");
}

TEST_F(PowerCutModelTest, CreatedFileWithoutDirectoryFsyncVanishes) {
  Write("a", "synced data, unsynced name", true);  // the file's own fsync does not make its name durable
  const PowerLossResult r = Cut(PowerLossMode::kNone);
  EXPECT_FALSE(Exists("a"));
  EXPECT_EQ(r.directory_changes_lost, 1u);
  ASSERT_EQ(r.lost_directory_changes.size(), 1u);
  EXPECT_NE(r.lost_directory_changes[0].find("create"), std::string::npos);
}

TEST(PowerCutModelSeedsTest, CreatedFileWithoutDirectoryFsyncMayStayOrVanishBySeed) {
  bool stayed = false, vanished = false;
  for (uint64_t seed = 1; seed <= 16 && !(stayed && vanished); ++seed) {
    Disk disk;
    disk.Write("a", "x", true);
    disk.Cut(PowerLossMode::kSubset, seed);
    (disk.Exists("a") ? stayed : vanished) = true;
  }
  EXPECT_TRUE(stayed);
  EXPECT_TRUE(vanished);
}

TEST(PowerCutModelSeedsTest, RenameIsUnderOneNameOrTheOther) {
  bool old_name = false, new_name = false;
  for (uint64_t seed = 1; seed <= 24; ++seed) {
    Disk disk;
    disk.Write("a.tmp", "the content", true);
    ASSERT_TRUE(disk.io()->SyncDir(disk.repo()).ok());
    ASSERT_TRUE(disk.io()->Rename(disk.At("a.tmp"), disk.At("a")).ok());
    disk.Cut(PowerLossMode::kSubset, seed);
    const bool a = disk.Exists("a"), tmp = disk.Exists("a.tmp");
    ASSERT_NE(a, tmp) << "seed " << seed << ": exactly one name";
    EXPECT_EQ(ReadFileContents(disk.At(a ? "a" : "a.tmp")), "the content");
    (a ? new_name : old_name) = true;
  }
  EXPECT_TRUE(old_name);
  EXPECT_TRUE(new_name);
}

TEST_F(PowerCutModelTest, LostRenameBringsBackTheFileItReplaced) {
  Write("m", "old", true);
  Write("m.tmp", "new", true);
  ASSERT_TRUE(io_->SyncDir(repo()).ok());
  ASSERT_TRUE(io_->Rename(At("m.tmp"), At("m")).ok());
  Cut(PowerLossMode::kNone);
  EXPECT_EQ(ReadFileContents(At("m")), "old");
  EXPECT_EQ(ReadFileContents(At("m.tmp")), "new");
}

TEST_F(PowerCutModelTest, DirectoryFsyncMakesRenameAndUnlinkDurable) {
  Write("a.tmp", "abc", true);
  Write("gone", "bye", true);
  ASSERT_TRUE(io_->SyncDir(repo()).ok());
  ASSERT_TRUE(io_->Rename(At("a.tmp"), At("a")).ok());
  ASSERT_TRUE(io_->RemoveFile(At("gone")).ok());
  ASSERT_TRUE(io_->SyncDir(repo()).ok());
  const PowerLossResult r = Cut(PowerLossMode::kNone);
  EXPECT_EQ(ReadFileContents(At("a")), "abc");
  EXPECT_FALSE(Exists("a.tmp"));
  EXPECT_FALSE(Exists("gone"));
  EXPECT_EQ(r.directory_changes, 0u);
}

TEST_F(PowerCutModelTest, UnlinkWithoutDirectoryFsyncCanBeUndone) {
  Write("log.0000000001", "log bytes", true);
  ASSERT_TRUE(io_->SyncDir(repo()).ok());
  ASSERT_TRUE(io_->RemoveFile(At("log.0000000001")).ok());
  Cut(PowerLossMode::kNone);
  EXPECT_EQ(ReadFileContents(At("log.0000000001")), "log bytes");
}

TEST_F(PowerCutModelTest, LostMkdirTakesItsContentsWithIt) {
  ASSERT_TRUE(io_->MakeDir(At("b.partial"), 0700).ok());
  Write("b.partial/x.db", "pages", true);
  ASSERT_TRUE(io_->SyncDir(At("b.partial")).ok());  // x.db's name is durable, b.partial's is not
  Cut(PowerLossMode::kNone);
  EXPECT_FALSE(Exists("b.partial"));
}

TEST_F(PowerCutModelTest, RenamedDirectoryWithoutParentFsyncGoesBack) {
  ASSERT_TRUE(io_->MakeDir(At("b.partial"), 0700).ok());
  ASSERT_TRUE(io_->SyncDir(repo()).ok());
  Write("b.partial/manifest.json", "{}", true);
  ASSERT_TRUE(io_->SyncDir(At("b.partial")).ok());
  ASSERT_TRUE(io_->Rename(At("b.partial"), At("b")).ok());
  Cut(PowerLossMode::kNone);
  EXPECT_FALSE(Exists("b"));
  EXPECT_EQ(ReadFileContents(At("b.partial/manifest.json")), "{}");
}

TEST_F(PowerCutModelTest, UnsyncedDataInAPublishedDirectoryIsLost) {
  // A "backup" published without fsyncing its file: names durable, bytes not.
  ASSERT_TRUE(io_->MakeDir(At("b.partial"), 0700).ok());
  Write("b.partial/x.db", "pages never fsynced", false);
  ASSERT_TRUE(io_->SyncDir(At("b.partial")).ok());
  ASSERT_TRUE(io_->Rename(At("b.partial"), At("b")).ok());
  ASSERT_TRUE(io_->SyncDir(repo()).ok());
  Cut(PowerLossMode::kNone);
  EXPECT_TRUE(Exists("b/x.db"));
  EXPECT_EQ(ReadFileContents(At("b/x.db")), "");
}

TEST(PowerCutModelSeedsTest, SameSeedSameResult) {
  std::vector<std::string> lost[2];
  for (int run = 0; run < 2; ++run) {
    Disk disk;
    ASSERT_TRUE(disk.io()->SyncDir(disk.repo()).ok());
    for (int i = 0; i < 6; ++i) disk.Write("f" + std::to_string(i), "data", i % 2 == 0);
    const PowerLossResult r = disk.Cut(PowerLossMode::kSubset, 77);
    EXPECT_EQ(r.directory_changes, 6u);
    for (const std::string& change : r.lost_directory_changes) lost[run].push_back(BaseName(change));
  }
  EXPECT_EQ(lost[0], lost[1]);
}

TEST(JournaledFileIOCutTest, KillsBeforeTheNthOperationOfItsPhase) {
  TempDir dir;
  ASSERT_TRUE(DefaultFileIO()->MakeDir(dir.Sub("home"), 0700).ok());
  const std::string repo = dir.Sub("repo");
  ASSERT_TRUE(DefaultFileIO()->MakeDir(repo, 0700).ok());
  ASSERT_TRUE(DefaultFileIO()->MakeDir(JoinPath(repo, "backups"), 0700).ok());
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::unique_ptr<FileOpJournal> journal;
    if (!FileOpJournal::Open(dir.Sub("journal"), dir.Sub("home"), dir.Sub("kept"), &journal).ok()) _exit(3);
    // Cut at the 2nd operation counted from the first of phase "rename".
    JournaledFileIO io(DefaultFileIO(), journal.get(), PhaseDirs{repo, dir.Sub("home"), ""},
                       AgentCutPoint{WritePhase::kRename, 2});
    const std::string partial = JoinPath(repo, "backups/x.partial");
    io.MakeDir(partial, 0700);                                  // copy: not counted
    io.Rename(partial, JoinPath(repo, "backups/x"));            // rename: #1
    io.SyncDir(JoinPath(repo, "backups"));                      // backups_fsync: #2, killed before it
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  JournalStats stats;
  ASSERT_TRUE(ReadJournalStats(dir.Sub("journal"), &stats).ok());
  EXPECT_EQ(stats.mkdirs, 1u);
  EXPECT_EQ(stats.renames, 1u);
  EXPECT_EQ(stats.dir_syncs, 0u);
  // The rename is not durable: the cut may put the backup back to .partial.
  PowerLossResult r;
  ASSERT_TRUE(ApplyPowerLoss(dir.Sub("journal"), dir.Sub("home"), 1, PowerLossMode::kNone, &r).ok());
  FileInfo info;
  ASSERT_TRUE(DefaultFileIO()->Stat(JoinPath(repo, "backups/x"), &info).ok());
  EXPECT_FALSE(info.exists);
}

TEST(WritePhaseTest, ClassifiesTheEngineWritePath) {
  const PhaseDirs d{"/r", "/h", "/t"};
  EXPECT_EQ(ClassifyWrite(d, FileOp::kWrite, "/r/backups/1.partial/a.db"), WritePhase::kCopy);
  EXPECT_EQ(ClassifyWrite(d, FileOp::kSync, "/r/backups/1.partial/log/log.0000000001"), WritePhase::kFileFsync);
  EXPECT_EQ(ClassifyWrite(d, FileOp::kSyncDir, "/r/backups/1.partial"), WritePhase::kFileFsync);
  EXPECT_EQ(ClassifyWrite(d, FileOp::kCreate, "/r/backups/1.partial/manifest.json.tmp"), WritePhase::kManifest);
  EXPECT_EQ(ClassifyWrite(d, FileOp::kRename, "/r/backups/1.partial"), WritePhase::kRename);
  EXPECT_EQ(ClassifyWrite(d, FileOp::kSyncDir, "/r/backups"), WritePhase::kBackupsFsync);
  EXPECT_EQ(ClassifyWrite(d, FileOp::kWrite, "/r/archive/log.0000000003.tmp"), WritePhase::kArchiveCopy);
  EXPECT_EQ(ClassifyWrite(d, FileOp::kRename, "/r/archive/log.0000000003.tmp"), WritePhase::kArchivePublish);
  EXPECT_EQ(ClassifyWrite(d, FileOp::kSyncDir, "/r/archive"), WritePhase::kArchivePublish);
  EXPECT_EQ(ClassifyWrite(d, FileOp::kUnlink, "/h/log/log.0000000003"), WritePhase::kArchiveRemoval);
  EXPECT_EQ(ClassifyWrite(d, FileOp::kWrite, "/r/standby.partial/a.db"), WritePhase::kStandby);
  EXPECT_EQ(ClassifyWrite(d, FileOp::kWrite, "/t/a.db"), WritePhase::kRestore);
  EXPECT_EQ(ClassifyWrite(d, FileOp::kUnlink, "/r/backups/0.partial/a.db"), WritePhase::kCleanup);
  WritePhase p;
  EXPECT_TRUE(ParseWritePhase("backups_fsync", &p).ok());
  EXPECT_EQ(p, WritePhase::kBackupsFsync);
  EXPECT_FALSE(ParseWritePhase("publish", &p).ok());
}

}  // namespace
}  // namespace bdb::sim
