// Round trips of every procedure on real environments: a writer commits while
// backups run; after restore every transaction acknowledged before the backup
// started is present with its exact value, no aborted one is visible, and
// db5.3_verify accepts every database.
#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "engine/backup/archive.h"
#include "engine/backup/backup.h"
#include "engine/repository/backup_id.h"
#include "engine/bdb/log_names.h"
#include "engine/recovery/recovery.h"
#include "engine/repository/repository.h"
#include "engine/restore/restore.h"
#include "engine/backup/standby.h"
#include "engine/copy/content_hash.h"
#include "engine/restore/verify.h"
#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

using Snapshot = std::vector<AckedCommit>;

class BackupRestoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = tmp_.Sub("home");
    repo_ = tmp_.Sub("repo");
    TestEnvOptions opts;
    opts.checksums = true;
    opts.log_file_bytes = 64 * 1024;  // many log files, so archive and incrementals have work
    opts.cache_bytes = 256 * 1024;    // small cache: data pages are written during backups
    ASSERT_TRUE(CreateTestEnvironment(home_, opts).ok());
    ASSERT_TRUE(TestWriter::Open(home_, &writer_).ok());
    ctx_ = DefaultEngineContext();
  }

  // Waits until the background writer has n more acknowledged commits.
  void WaitForMoreAcks(size_t n) {
    const size_t target = writer_->acked().size() + n;
    for (int i = 0; i < 20000 && writer_->acked().size() < target; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ASSERT_GE(writer_->acked().size(), target);
  }

  BackupOutcome Backup(const std::string& mode, bool recover_as_you_go = false) {
    BackupOutcome out;
    Status s = RunBackup(ctx_, BackupRequest{home_, repo_, ModeNamed(mode), false, recover_as_you_go}, &out);
    EXPECT_TRUE(s.ok()) << s.message();
    return out;
  }

  std::string Restore(const std::string& backup, const std::string& until = "") {
    std::string target = tmp_.Sub("restore-" + std::to_string(restores_++));
    RestoreOutcome out;
    Status s = RunRestore(ctx_, RestoreRequest{repo_, target, backup, until, "", false}, &out);
    EXPECT_TRUE(s.ok()) << s.message();
    return target;
  }

  // Every commit in `expected` is present with its exact value in both databases.
  void ExpectPresent(const std::string& target, const Snapshot& expected) {
    std::map<std::string, std::string> a, b;
    ASSERT_TRUE(ReadDatabase(target, kBtreeDb, &a).ok());
    ASSERT_TRUE(ReadDatabase(target, kHashDb, &b).ok());
    for (const auto& c : expected) {
      ASSERT_EQ(a.count(c.key), 1u) << "txn " << c.id << " missing from a.db";
      ASSERT_EQ(a[c.key], TestValue(c.id));
      ASSERT_EQ(b.count(c.key), 1u) << "txn " << c.id << " missing from b.db";
      ASSERT_EQ(b[c.key], TestValue(c.id));
    }
    for (const char* db : {kBtreeDb, kHashDb}) {
      std::string output;
      EXPECT_TRUE(Db53VerifyAccepts(target, db, &output)) << output;
    }
  }

  TempDir tmp_;
  std::string home_, repo_;
  std::unique_ptr<TestWriter> writer_;
  EngineContext ctx_;
  int restores_ = 0;
};

TEST_F(BackupRestoreTest, HotBackupUnderLoadKeepsEveryCommitAcknowledgedBeforeItStarted) {
  ASSERT_TRUE(writer_->Commit(300).ok());
  ASSERT_TRUE(writer_->Abort(20).ok());
  writer_->StartBackground();
  WaitForMoreAcks(200);
  Snapshot before = writer_->acked();
  BackupOutcome hot = Backup("hot");
  WaitForMoreAcks(50);
  ASSERT_TRUE(writer_->StopBackground().ok());
  EXPECT_EQ(hot.manifest.mode, BackupMode::kHot);
  EXPECT_GE(hot.manifest.last_log, hot.manifest.first_log);

  std::string target = Restore(hot.manifest.id);
  ExpectPresent(target, before);
  // The aborted transactions (ids 301..320) are nowhere.
  std::map<std::string, std::string> a;
  ASSERT_TRUE(ReadDatabase(target, kBtreeDb, &a).ok());
  for (uint64_t id = 301; id <= 320; ++id) EXPECT_EQ(a.count(TestKey(id)), 0u) << "aborted txn " << id;

  VerifyOutcome verified;
  Status s = RunVerify(ctx_, VerifyRequest{repo_, hot.manifest.id, ""}, &verified);
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(verified.databases_verified, (std::vector<std::string>{"a.db", "b.db"}));
}

// Right after a log switch BDB's log position names the new file before a
// flush creates it (commits here are DB_TXN_NOSYNC, so the records wait in the
// log buffer). A hot backup taken in that state must flush, copy the new file
// and find no gap; reading the position after the flush once let a switch in
// between produce a false "log chain has a gap".
TEST_F(BackupRestoreTest, HotBackupRightAfterALogSwitchCopiesTheNewFile) {
  ASSERT_TRUE(writer_->Commit(50).ok());
  DB_ENV* env = writer_->env();
  ASSERT_EQ(env->set_flags(env, DB_TXN_NOSYNC, 1), 0);
  auto current_file = [&] {
    DB_LOG_STAT* st = nullptr;
    EXPECT_EQ(env->log_stat(env, &st, 0), 0);
    const uint32_t file = st->st_cur_file;
    ::free(st);
    return file;
  };
  const uint32_t start = current_file();
  bool switched_unflushed = false;
  for (int i = 0; i < 5000 && !switched_unflushed; ++i) {
    ASSERT_TRUE(writer_->Commit(1).ok());
    const uint32_t now = current_file();
    switched_unflushed = now > start && ::access((home_ + "/log/" + LogFileName(now)).c_str(), F_OK) != 0;
  }
  ASSERT_TRUE(switched_unflushed) << "never saw a log switch whose new file did not exist yet";
  const uint32_t end_file = current_file();
  Snapshot before = writer_->acked();

  BackupOutcome hot = Backup("hot");
  EXPECT_EQ(hot.manifest.last_log, end_file);
  ExpectPresent(Restore(hot.manifest.id), before);
}

// BDB creates each log file at its full size (set_lg_max); the backup copies
// the last log only up to the end of its flushed records. The restored
// environment must still take new commits in that shorter last log, and a
// later incremental re-copies the log further.
TEST_F(BackupRestoreTest, LastLogIsCopiedUpToTheEndLsnAndTheRestoreKeepsWriting) {
  ASSERT_TRUE(writer_->Commit(60).ok());
  Snapshot before = writer_->acked();
  BackupOutcome hot = Backup("hot");
  const std::string last_rel = "log/" + LogFileName(hot.manifest.last_log);
  uint64_t copied = 0;
  for (const ManifestFile& f : hot.manifest.files)
    if (f.path == last_rel) copied = f.size;
  FileInfo live;
  ASSERT_TRUE(DefaultFileIO()->Stat(home_ + "/" + last_rel, &live).ok());
  EXPECT_EQ(copied, hot.manifest.end_lsn.offset);
  EXPECT_LT(copied, live.size) << "the live log is no longer than its records: the test proves nothing";

  ASSERT_TRUE(writer_->Commit(40).ok());
  BackupOutcome inc = Backup("incremental");
  EXPECT_EQ(inc.manifest.first_log, hot.manifest.last_log);
  for (const ManifestFile& f : inc.manifest.files) {
    if (f.path == "log/" + LogFileName(inc.manifest.last_log)) {
      EXPECT_EQ(f.size, inc.manifest.end_lsn.offset);
    }
  }
  Snapshot all = writer_->acked();
  writer_.reset();

  const std::string target = Restore(hot.manifest.id);
  ExpectPresent(target, before);
  ExpectPresent(Restore(inc.manifest.id), all);
  // The application goes on in the restored environment: new commits append
  // to the short last log, survive a clean close and a normal recovery.
  std::unique_ptr<TestWriter> again;
  ASSERT_TRUE(TestWriter::Open(target, &again).ok());
  ASSERT_TRUE(again->Commit(100).ok());  // ids count from 1 again: keys 1..60 rewritten, 61..100 new
  again.reset();
  ASSERT_TRUE(RecoverNormal(target).ok());
  std::map<std::string, std::string> a;
  ASSERT_TRUE(ReadDatabase(target, kBtreeDb, &a).ok());
  EXPECT_EQ(a.size(), 100u);
  EXPECT_EQ(a[TestKey(100)], TestValue(100));
}

// --max-rate only slows the reads: the backup is whole and restores.
TEST_F(BackupRestoreTest, AHotBackupHeldToAReadRateIsWhole) {
  ASSERT_TRUE(writer_->Commit(200).ok());
  writer_->StartBackground();
  WaitForMoreAcks(50);
  Snapshot before = writer_->acked();
  BackupRequest request{home_, repo_, BackupMode::kHot};
  request.max_rate_mib_s = 20;
  BackupOutcome hot;
  Status s = RunBackup(ctx_, request, &hot);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_TRUE(writer_->StopBackground().ok());
  ExpectPresent(Restore(hot.manifest.id), before);
}

TEST_F(BackupRestoreTest, ColdBackupOfAQuietEnvironment) {
  ASSERT_TRUE(writer_->Commit(400).ok());
  Snapshot all = writer_->acked();
  writer_.reset();  // nobody else has the environment open
  BackupOutcome cold = Backup("cold");
  EXPECT_EQ(cold.manifest.first_log, cold.manifest.last_log);  // a quiet environment: only the last log
  ExpectPresent(Restore("latest"), all);
}

TEST_F(BackupRestoreTest, IncrementalChainWithArchivingInBetween) {
  ASSERT_TRUE(writer_->Commit(200).ok());
  BackupOutcome full = Backup("hot");
  Snapshot acked;
  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE(writer_->Commit(300).ok());
    ASSERT_TRUE(writer_->Checkpoint().ok());
    ArchiveOutcome archived;
    Status s = ArchiveFinishedLogs(ctx_, ArchiveRequest{home_, repo_}, &archived);
    ASSERT_TRUE(s.ok()) << s.message();
    if (round == 0) {
      EXPECT_FALSE(archived.archived.empty());
    }
    acked = writer_->acked();
    BackupOutcome inc = Backup("incremental");
    EXPECT_EQ(inc.manifest.parent, round == 0 ? full.manifest.id : inc.manifest.parent);
  }
  std::vector<std::string> ids;
  std::unique_ptr<Repository> repo;
  ASSERT_TRUE(Repository::Open(ctx_.io, repo_, false, &repo).ok());
  ASSERT_TRUE(repo->ListBackupIds(&ids).ok());
  EXPECT_EQ(ids.size(), 4u);
  ExpectPresent(Restore("latest"), acked);
  VerifyOutcome verified;
  Status s = RunVerify(ctx_, VerifyRequest{repo_, "latest", ""}, &verified);
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(verified.chain.size(), 4u);
}

TEST_F(BackupRestoreTest, ArchiveMovesOnlyFinishedLogsAndRerunIsSafe) {
  ASSERT_TRUE(writer_->Commit(800).ok());
  ASSERT_TRUE(writer_->Checkpoint().ok());
  ArchiveOutcome first;
  ASSERT_TRUE(ArchiveFinishedLogs(ctx_, ArchiveRequest{home_, repo_}, &first).ok());
  ASSERT_FALSE(first.archived.empty());
  for (uint32_t n : first.archived) {
    FileInfo info;
    ASSERT_TRUE(ctx_.io->Stat(home_ + "/log/" + LogFileName(n), &info).ok());
    EXPECT_FALSE(info.exists) << LogFileName(n) << " still in the environment";
    ASSERT_TRUE(ctx_.io->Stat(repo_ + "/archive/" + LogFileName(n), &info).ok());
    EXPECT_TRUE(info.exists) << LogFileName(n) << " not in the archive";
  }
  ArchiveOutcome second;
  ASSERT_TRUE(ArchiveFinishedLogs(ctx_, ArchiveRequest{home_, repo_}, &second).ok());
  EXPECT_TRUE(second.archived.empty() || second.archived.front() > first.archived.back());
}

TEST_F(BackupRestoreTest, RecoverAsYouGoKeepsAReadyStandby) {
  ASSERT_TRUE(writer_->Commit(200).ok());
  Backup("hot", /*recover_as_you_go=*/true);
  ASSERT_TRUE(writer_->Commit(300).ok());
  Backup("incremental", true);
  ASSERT_TRUE(writer_->Commit(300).ok());
  Snapshot acked = writer_->acked();
  BackupOutcome inc = Backup("incremental", true);
  EXPECT_TRUE(inc.standby_updated);
  std::unique_ptr<Repository> repo;
  ASSERT_TRUE(Repository::Open(ctx_.io, repo_, false, &repo).ok());
  StandbyState state;
  ASSERT_TRUE(ReadStandbyState(ctx_.io, repo.get(), &state).ok());
  EXPECT_TRUE(state.ready);
  EXPECT_EQ(state.applied, inc.manifest.id);
  ExpectPresent(repo->standby_dir(), acked);
}

TEST_F(BackupRestoreTest, PointInTimeRestoreStopsAtTheGivenSecond) {
  ASSERT_TRUE(writer_->Commit(100).ok());
  BackupOutcome full = Backup("hot");
  ASSERT_TRUE(writer_->Commit(100).ok());
  Snapshot early = writer_->acked();
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  const int64_t until_ms = WallClockUnixMs();
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  ASSERT_TRUE(writer_->Commit(100).ok());
  Backup("incremental");
  std::string target = Restore("latest", FormatUtcTimestamp(until_ms));
  ExpectPresent(target, early);
  std::map<std::string, std::string> a;
  ASSERT_TRUE(ReadDatabase(target, kBtreeDb, &a).ok());
  EXPECT_EQ(a.size(), early.size()) << "transactions after --until are visible";
}

TEST_F(BackupRestoreTest, UntilBeforeTheBackupStartedIsRefused) {
  ASSERT_TRUE(writer_->Commit(20).ok());
  BackupOutcome full = Backup("hot");
  RestoreOutcome out;
  Status s = RunRestore(ctx_, RestoreRequest{repo_, tmp_.Sub("t"), "latest", "2001-01-01T00:00:00Z", "", false}, &out);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "--until 2001-01-01T00:00:00.000Z is before backup '" + full.manifest.id + "' started (" +
                             FormatUtcTimestamp(full.manifest.start_unix_ms) + ")");
  FileInfo info;
  ASSERT_TRUE(ctx_.io->Stat(tmp_.Sub("t"), &info).ok());
  EXPECT_FALSE(info.exists) << "a refused restore created its target";
  s = RunRestore(ctx_, RestoreRequest{repo_, tmp_.Sub("t"), "latest", "yesterday", "", false}, &out);
  EXPECT_EQ(s.message(), "--until 'yesterday' is not a time: expected UTC like 2026-11-23T18:15:00Z");
}

TEST_F(BackupRestoreTest, NonEmptyTargetIsRefusedUnlessForced) {
  ASSERT_TRUE(writer_->Commit(20).ok());
  Snapshot acked = writer_->acked();
  Backup("hot");
  const std::string target = tmp_.Sub("busy-target");
  ASSERT_TRUE(ctx_.io->MakeDir(target, 0700).ok());
  ASSERT_TRUE(WriteFileAtomically(ctx_.io, target + "/precious", "keep me", 0600).ok());
  RestoreOutcome out;
  Status s = RunRestore(ctx_, RestoreRequest{repo_, target, "latest", "", "", false}, &out);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "restore target '" + target + "' is not empty: use --force to overwrite it");
  std::string kept;
  ASSERT_TRUE(ReadWholeFile(ctx_.io, target + "/precious", &kept).ok());
  EXPECT_EQ(kept, "keep me");
  s = RunRestore(ctx_, RestoreRequest{repo_, target, "latest", "", "", true}, &out);
  ASSERT_TRUE(s.ok()) << s.message();
  ExpectPresent(target, acked);
}

TEST_F(BackupRestoreTest, IncrementalWithoutAFullBackupIsRefused) {
  BackupOutcome out;
  Status s = RunBackup(ctx_, BackupRequest{home_, repo_, BackupMode::kIncremental, false, false}, &out);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "incremental backup needs a full backup in repository '" + repo_ +
                             "': take a hot or cold backup first");
}

TEST_F(BackupRestoreTest, AGapInTheLogChainFailsTheIncremental) {
  ASSERT_TRUE(writer_->Commit(50).ok());
  Backup("hot");
  ASSERT_TRUE(writer_->Commit(1500).ok());
  ASSERT_TRUE(writer_->Checkpoint().ok());
  ArchiveOutcome archived;
  ASSERT_TRUE(ArchiveFinishedLogs(ctx_, ArchiveRequest{home_, repo_}, &archived).ok());
  ASSERT_GE(archived.archived.size(), 2u);
  const std::string lost = LogFileName(archived.archived[1]);
  ASSERT_TRUE(ctx_.io->RemoveFile(repo_ + "/archive/" + lost).ok());
  ASSERT_TRUE(ctx_.io->RemoveFile(repo_ + "/archive/" + lost + ".json").ok());
  BackupOutcome out;
  Status s = RunBackup(ctx_, BackupRequest{home_, repo_, BackupMode::kIncremental, false, false}, &out);
  EXPECT_EQ(s.code(), Status::Code::kCheckFailed) << s.message();
  EXPECT_EQ(s.message(), "log chain has a gap: log file '" + lost + "' is neither in '" + home_ +
                             "/log' nor in the archive");
}

TEST_F(BackupRestoreTest, VerifyNamesADamagedFileAndPage) {
  ASSERT_TRUE(writer_->Commit(300).ok());
  BackupOutcome hot = Backup("hot");
  // Flip one byte in page 1 of the copied btree.
  const std::string path = hot.dir + "/a.db";
  std::string bytes;
  ASSERT_TRUE(ReadWholeFile(ctx_.io, path, &bytes).ok());
  bytes[4096 + 100] ^= 0x5a;
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(ctx_.io->CreateForWrite(path, 0600, &f).ok());
  ASSERT_TRUE(f->Append(bytes.data(), bytes.size()).ok());
  ASSERT_TRUE(f->Close().ok());
  VerifyOutcome out;
  Status s = RunVerify(ctx_, VerifyRequest{repo_, "latest", ""}, &out);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("file 'a.db' of backup '" + hot.manifest.id + "' has checksum "), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("(page 1 fails its checksum)"), std::string::npos) << s.message();
}

// Verify asked to keep its trial restore leaves, verified, the environment
// restore makes of the same backup: the same records in both databases, no
// region files, every database accepted by db5.3_verify.
TEST_F(BackupRestoreTest, VerifyKeepsItsTrialRestoreWhenAsked) {
  ASSERT_TRUE(writer_->Commit(300).ok());
  writer_->StartBackground();
  WaitForMoreAcks(100);
  Snapshot before = writer_->acked();
  BackupOutcome hot = Backup("hot");
  WaitForMoreAcks(20);
  ASSERT_TRUE(writer_->StopBackground().ok());
  const std::string kept = tmp_.Sub("kept");
  VerifyOutcome verified;
  Status s = RunVerify(ctx_, VerifyRequest{repo_, hot.manifest.id, "", kept}, &verified);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(verified.databases_verified, (std::vector<std::string>{"a.db", "b.db"}));
  ExpectPresent(kept, before);
  const std::string restored = Restore(hot.manifest.id);
  for (const char* db : {kBtreeDb, kHashDb}) {
    std::map<std::string, std::string> from_verify, from_restore;
    ASSERT_TRUE(ReadDatabase(kept, db, &from_verify).ok());
    ASSERT_TRUE(ReadDatabase(restored, db, &from_restore).ok());
    EXPECT_EQ(from_verify, from_restore) << db;
  }
  std::vector<std::string> names;
  ASSERT_TRUE(ctx_.io->ListDir(kept, &names).ok());
  for (const std::string& n : names) EXPECT_NE(n.rfind("__db.", 0), 0u) << "region file left: " << n;
}

// The kept trial restore goes only where nothing is, and a backup that fails
// verify leaves nothing there.
TEST_F(BackupRestoreTest, VerifyKeepsNothingOfABadBackupAndRefusesABusyTarget) {
  ASSERT_TRUE(writer_->Commit(30).ok());
  BackupOutcome hot = Backup("hot");
  const std::string busy = tmp_.Sub("busy");
  ASSERT_TRUE(ctx_.io->MakeDir(busy, 0700).ok());
  ASSERT_TRUE(WriteFileAtomically(ctx_.io, busy + "/precious", "keep me", 0600).ok());
  VerifyOutcome out;
  Status s = RunVerify(ctx_, VerifyRequest{repo_, "latest", "", busy}, &out);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "restore target '" + busy + "' is not empty: use --force to overwrite it");
  EXPECT_EQ(ReadFileContents(busy + "/precious"), "keep me");

  ASSERT_TRUE(ctx_.io->RemoveFile(hot.dir + "/b.db").ok());
  s = RunVerify(ctx_, VerifyRequest{repo_, "latest", "", tmp_.Sub("kept")}, &out);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  FileInfo info;
  ASSERT_TRUE(ctx_.io->Stat(tmp_.Sub("kept"), &info).ok());
  EXPECT_FALSE(info.exists) << "a failed verify kept its trial restore";
}

TEST_F(BackupRestoreTest, VerifyAndRestoreReportAMissingFile) {
  ASSERT_TRUE(writer_->Commit(30).ok());
  BackupOutcome hot = Backup("hot");
  ASSERT_TRUE(ctx_.io->RemoveFile(hot.dir + "/b.db").ok());
  VerifyOutcome out;
  Status s = RunVerify(ctx_, VerifyRequest{repo_, "latest", ""}, &out);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_EQ(s.message(), "file 'b.db' of backup '" + hot.manifest.id + "' is missing");
  RestoreOutcome restored;
  s = RunRestore(ctx_, RestoreRequest{repo_, tmp_.Sub("t"), "latest", "", "", false}, &restored);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_EQ(s.message(), "file 'b.db' of backup " + hot.manifest.id + " is missing");
}

// A backup whose manifest is faithful but whose database pages are newer than
// its logs (as a copier that read the databases after the logs would make):
// every file matches its checksum, yet recovery could not redo those pages.
// Verify and restore both refuse it before recovery runs, naming a page.
TEST_F(BackupRestoreTest, VerifyAndRestoreRefuseDatabasePagesNewerThanTheLogs) {
  ASSERT_TRUE(writer_->Commit(50).ok());
  BackupOutcome hot = Backup("hot");
  ASSERT_TRUE(writer_->Commit(400).ok());
  ASSERT_TRUE(writer_->Checkpoint().ok());  // the live a.db now carries LSNs past the backup's last log
  std::string bytes;
  ASSERT_TRUE(ReadWholeFile(ctx_.io, home_ + "/a.db", &bytes).ok());
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(ctx_.io->CreateForWrite(hot.dir + "/a.db", 0600, &f).ok());
  ASSERT_TRUE(f->Append(bytes.data(), bytes.size()).ok());
  ASSERT_TRUE(f->Close().ok());
  Manifest m = hot.manifest;
  for (ManifestFile& file : m.files) {
    if (file.path == "a.db") {
      ASSERT_TRUE(HashFile(ctx_.io, hot.dir + "/a.db", &file.xxh3, &file.size).ok());
    }
  }
  const std::string manifest = ManifestToJson(m);
  ASSERT_TRUE(ctx_.io->CreateForWrite(hot.dir + "/manifest.json", 0600, &f).ok());
  ASSERT_TRUE(f->Append(manifest.data(), manifest.size()).ok());
  ASSERT_TRUE(f->Close().ok());

  const std::string expected = "backup '" + hot.manifest.id + "' cannot be recovered: database '";
  VerifyOutcome verified;
  Status s = RunVerify(ctx_, VerifyRequest{repo_, hot.manifest.id, ""}, &verified);
  EXPECT_EQ(s.code(), Status::Code::kCheckFailed) << s.message();
  EXPECT_NE(s.message().find(expected), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("a.db' page "), std::string::npos) << s.message();
  RestoreOutcome restored;
  s = RunRestore(ctx_, RestoreRequest{repo_, tmp_.Sub("t"), hot.manifest.id, "", "", false}, &restored);
  EXPECT_EQ(s.code(), Status::Code::kCheckFailed) << s.message();
  EXPECT_NE(s.message().find(expected), std::string::npos) << s.message();
}

TEST_F(BackupRestoreTest, MissingAndNonBdbHomesChangeNothing) {
  BackupOutcome out;
  Status s = RunBackup(ctx_, BackupRequest{tmp_.Sub("nope"), repo_, BackupMode::kHot, false, false}, &out);
  EXPECT_EQ(s.code(), Status::Code::kNotFound);
  EXPECT_EQ(s.message(), "environment home '" + tmp_.Sub("nope") + "' does not exist");
  ASSERT_TRUE(ctx_.io->MakeDir(tmp_.Sub("plain"), 0700).ok());
  s = RunBackup(ctx_, BackupRequest{tmp_.Sub("plain"), repo_, BackupMode::kHot, false, false}, &out);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "'" + tmp_.Sub("plain") + "' is not a Berkeley DB environment: no region files and no log files");
  std::vector<std::string> names;
  ASSERT_TRUE(ctx_.io->ListDir(tmp_.Sub("plain"), &names).ok());
  EXPECT_TRUE(names.empty());
  FileInfo info;
  ASSERT_TRUE(ctx_.io->Stat(repo_, &info).ok());
  EXPECT_FALSE(info.exists) << "a refused backup created the repository";
}

}  // namespace
}  // namespace bdb
