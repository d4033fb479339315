// Every named crash point of kCrashPoints, fired in the real bdbackup binary
// through libfiu (fiu-run -x -c 'enable name=bdbackup/crash/<point>') while
// archive, cold, hot, incremental --recover-as-you-go, restore and verify run
// on a real environment with committed data. After each SIGKILL: no log number
// is lost (each is in the environment or the archive), no partial backup is
// listed, every listed backup verifies, the same command run again completes,
// and a restore of the latest backup holds every acknowledged commit.
// Prints one summary line "ROBUSTNESS crash_points ..." for reports/.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "base/crash_points.h"
#include "engine/bdb/log_names.h"
#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

namespace fs = std::filesystem;

constexpr int kKilledBySigkill = 128 + 9;

struct Tally {
  int runs_killed = 0;
  std::set<std::string> points;
  int logs_lost = 0;
  int invalid_backups = 0;
};
Tally& tally() {
  static Tally t;
  return t;
}

// Runs bdbackup (under a 120 s timeout, so a hang fails instead of blocking),
// with the crash point enabled through fiu-run when `point` is not empty.
ProcessResult Bdbackup(const std::vector<std::string>& args, const std::string& point, const std::string& tmpdir) {
  std::vector<std::string> argv = {"env", "TMPDIR=" + tmpdir, "timeout", "-k", "5", "120"};
  if (!point.empty()) {
    for (const char* a : {"fiu-run", "-x", "-f", ""}) argv.push_back(a);
    argv.push_back("-c");
    argv.push_back("enable name=bdbackup/crash/" + point);
  }
  argv.push_back(BDBACKUP_BIN);
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv);
}

class CrashPointsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = tmp_.Sub("home");
    repo_ = tmp_.Sub("repo");
    scratch_ = tmp_.Sub("scratch");
    fs::create_directories(scratch_);
    TestEnvOptions opts;
    opts.checksums = true;
    opts.log_file_bytes = 64 * 1024;  // several log files, so archive and incrementals have work
    ASSERT_TRUE(CreateTestEnvironment(home_, opts).ok());
    Commit(300);
  }

  // Commits n transactions in a writer that is closed again afterwards.
  void Commit(int n) {
    ASSERT_TRUE(CommitMore(home_, n, &used_ids_, &acked_).ok());  // the writer is closed on return
    NoteLogs();
  }

  // Remembers every log number the environment has ever had.
  void NoteLogs() {
    for (const auto& e : fs::directory_iterator(home_ + "/log")) {
      uint32_t n = 0;
      if (ParseLogFileName(e.path().filename().string(), &n)) max_log_ = std::max(max_log_, n);
    }
  }

  ProcessResult Run(const std::vector<std::string>& args, const std::string& point = "") {
    ProcessResult r = Bdbackup(args, point, scratch_);
    NoteLogs();
    return r;
  }

  void Ok(const std::vector<std::string>& args) {
    ProcessResult r = Run(args);
    ASSERT_EQ(r.exit_code, 0) << DescribeRun(r);
  }

  // Every log number 1..max_log_ is in the environment or (file and record)
  // in the archive; expire removes logs on purpose (what it keeps is proven
  // by every listed backup verifying and the latest restoring).
  void ExpectNoLogLost() {
    if (expiring_) return;
    for (uint32_t n = 1; n <= max_log_; ++n) {
      const std::string name = LogFileName(n);
      const bool in_env = fs::exists(home_ + "/log/" + name);
      const bool archived = fs::exists(repo_ + "/archive/" + name) && fs::exists(repo_ + "/archive/" + name + ".json");
      if (!in_env && !archived) {
        ++tally().logs_lost;
        ADD_FAILURE() << "log " << name << " is neither in the environment nor in the archive";
      }
    }
  }

  // The published backups: none partial, each verifies.
  std::vector<std::string> ExpectListedBackupsValid() {
    std::vector<std::string> ids;
    if (!fs::exists(repo_ + "/backups")) return ids;
    ProcessResult r = Run({"list", "--repo", repo_, "--json"});
    EXPECT_EQ(r.exit_code, 0) << DescribeRun(r);
    nlohmann::json doc = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << r.out;
    if (doc.is_discarded()) return ids;
    for (const auto& b : doc["backups"]) {
      const std::string id = b["id"].get<std::string>();
      ids.push_back(id);
      EXPECT_EQ(id.find(".partial"), std::string::npos) << id;
      EXPECT_FALSE(b.contains("error")) << b.dump();
      ProcessResult v = Run({"verify", "--repo", repo_, "--backup", id});
      if (v.exit_code != 0) {
        ++tally().invalid_backups;
        ADD_FAILURE() << "published backup " << id << " does not verify: " << DescribeRun(v);
      }
    }
    // A partial directory is never restorable.
    for (const auto& e : fs::directory_iterator(repo_ + "/backups")) {
      const std::string name = e.path().filename().string();
      if (name.size() < 8 || name.substr(name.size() - 8) != ".partial") continue;
      ProcessResult p = Run({"restore", "--repo", repo_, "--target", tmp_.Sub("partial-target"), "--backup",
                             name.substr(0, name.size() - 8)});
      EXPECT_EQ(p.exit_code, 2) << DescribeRun(p);
      EXPECT_FALSE(fs::exists(tmp_.Sub("partial-target")));
    }
    return ids;
  }

  // target holds every acknowledged commit with its exact value in both databases.
  void ExpectHoldsAcked(const std::string& target, const std::vector<uint64_t>& acked) {
    std::map<std::string, std::string> a, b;
    ASSERT_TRUE(ReadDatabase(target, kBtreeDb, &a).ok());
    ASSERT_TRUE(ReadDatabase(target, kHashDb, &b).ok());
    for (uint64_t id : acked) {
      ASSERT_EQ(a[TestKey(id)], TestValue(id)) << "txn " << id << " in a.db of " << target;
      ASSERT_EQ(b[TestKey(id)], TestValue(id)) << "txn " << id << " in b.db of " << target;
    }
  }

  void ExpectLatestRestores(const std::vector<uint64_t>& acked) {
    const std::string target = tmp_.Sub("check-" + std::to_string(checks_++));
    ProcessResult r = Run({"restore", "--repo", repo_, "--target", target});
    ASSERT_EQ(r.exit_code, 0) << DescribeRun(r);
    ExpectHoldsAcked(target, acked);
  }

  // Kills `args` at `point`, then checks the invariants and runs `args` again.
  void CrashAndCheck(const std::vector<std::string>& args, const std::string& point) {
    SCOPED_TRACE("crash point " + point + " during " + args[0] + (args.size() > 6 ? " " + args[6] : ""));
    const std::vector<uint64_t> acked_before = acked_;
    ProcessResult r = Run(args, point);
    ASSERT_EQ(r.exit_code, kKilledBySigkill) << "the point was not reached or did not kill: " << DescribeRun(r);
    ++tally().runs_killed;
    tally().points.insert(point);
    ExpectNoLogLost();
    ExpectListedBackupsValid();
    if (cold_ && point != "lock/after_acquire") {  // killed after it joined the environment
      // A killed bdbackup leaves its reference in the region: a cold backup
      // cannot tell it from a live user, refuses, and names the remedy.
      ProcessResult refused = Run(args);
      ASSERT_EQ(refused.exit_code, 3) << DescribeRun(refused);
      ASSERT_EQ(refused.err, "bdbackup: error: environment '" + home_ +
                                 "' is in use: 1 stale region reference and no process maps the regions; run "
                                 "db5.3_recover; a cold backup needs it idle (use --mode hot)\n");
      ProcessResult recovered = RunProcess({"db5.3_recover", "-h", home_});
      ASSERT_EQ(recovered.exit_code, 0) << recovered.err;
    }
    ProcessResult again = Run(args);
    ASSERT_EQ(again.exit_code, 0) << "the next run did not complete: " << DescribeRun(again);
    ExpectNoLogLost();
    ExpectListedBackupsValid();
    if (args[0] != "archive" || fs::exists(repo_ + "/backups")) {
      if (fs::exists(repo_ + "/backups") && !fs::is_empty(repo_ + "/backups")) ExpectLatestRestores(acked_before);
    }
  }

  std::vector<std::string> BackupArgs(const std::string& mode) {
    std::vector<std::string> args = {"backup", "--home", home_, "--repo", repo_, "--mode", mode};
    if (mode == "incremental") args.push_back("--recover-as-you-go");
    return args;
  }

  TempDir tmp_{"bdbackup-crash"};
  std::string home_, repo_, scratch_;
  std::vector<uint64_t> acked_;
  uint64_t used_ids_ = 0;
  uint32_t max_log_ = 0;
  int checks_ = 0;
  bool cold_ = false;  // the command is a cold backup
  bool expiring_ = false;  // the command is expire
};

TEST_F(CrashPointsTest, FiuRunReallyKillsAtANamedPoint) {
  // The preload and the binary's own fiu_init agree: the point fires, by SIGKILL.
  ProcessResult r = Run(BackupArgs("hot"), "lock/after_acquire");
  EXPECT_EQ(r.exit_code, kKilledBySigkill) << DescribeRun(r);
  // A name outside the table, or no point at all: the run completes.
  r = Run(BackupArgs("hot"), "backup/no_such_point");
  EXPECT_EQ(r.exit_code, 0) << DescribeRun(r);
}

// The points each command reaches, in the order it reaches them.
const std::vector<std::string> kArchivePoints = {"lock/after_acquire", "archive/after_copy_before_rename",
                                                 "archive/after_rename_before_record",
                                                 "archive/after_record_before_remove", "archive/after_remove"};
const std::vector<std::string> kFullBackupPoints = {
    "lock/after_acquire",         "backup/after_partial_dir",            "backup/after_database_files",
    "backup/after_log_files",     "backup/after_manifest_before_rename", "backup/after_rename_before_dir_sync"};
const std::vector<std::string> kIncrementalPoints = {
    "lock/after_acquire",     "backup/after_partial_dir",            "backup/after_log_files",
    "backup/after_manifest_before_rename", "backup/after_rename_before_dir_sync", "standby/before_recovery"};
const std::vector<std::string> kRestorePoints = {"restore/after_copy_before_recovery", "restore/after_recovery"};
const std::vector<std::string> kVerifyPoints = {"verify/during_trial_restore"};
const std::vector<std::string> kExpirePoints = {
    "lock/after_acquire",          "expire/after_hide_before_dir_sync", "expire/after_backup_hidden",
    "expire/after_backup_removed", "expire/after_sidecar_removed",      "expire/after_log_removed"};

TEST(CrashPointTable, EveryPointIsExercisedBySomeCommand) {
  std::set<std::string> covered;
  for (const auto* list : {&kArchivePoints, &kFullBackupPoints, &kIncrementalPoints, &kRestorePoints, &kVerifyPoints, &kExpirePoints})
    covered.insert(list->begin(), list->end());
  for (std::string_view p : kCrashPoints) EXPECT_TRUE(covered.count(std::string(p))) << p << " is never exercised";
  EXPECT_EQ(covered.size(), kCrashPoints.size());
}

// One test per crash point (each its own ctest test, well within the suite's
// per-test budget): a fixture per command, instantiated with its points.
std::string PointName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

class ArchiveCrashTest : public CrashPointsTest, public ::testing::WithParamInterface<std::string> {};
class ColdCrashTest : public CrashPointsTest, public ::testing::WithParamInterface<std::string> {};
class HotCrashTest : public CrashPointsTest, public ::testing::WithParamInterface<std::string> {};
class IncrementalCrashTest : public CrashPointsTest, public ::testing::WithParamInterface<std::string> {};
class RestoreCrashTest : public CrashPointsTest, public ::testing::WithParamInterface<std::string> {};
class VerifyCrashTest : public CrashPointsTest, public ::testing::WithParamInterface<std::string> {};
class ExpireCrashTest : public CrashPointsTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(ArchiveCrashTest, KilledThenRunAgain) {
  Commit(150);
  CrashAndCheck({"archive", "--home", home_, "--repo", repo_, "--checkpoint"}, GetParam());
  // The archive really moved logs: some are only in the repository now.
  EXPECT_FALSE(fs::exists(home_ + "/log/" + LogFileName(1)));
  EXPECT_TRUE(fs::exists(repo_ + "/archive/" + LogFileName(1)));
  // And a backup taken now still restores everything.
  Ok(BackupArgs("hot"));
  ExpectLatestRestores(acked_);
}
INSTANTIATE_TEST_SUITE_P(Points, ArchiveCrashTest, ::testing::ValuesIn(kArchivePoints), PointName);

TEST_P(ColdCrashTest, KilledThenRunAgain) {
  cold_ = true;
  Commit(100);
  CrashAndCheck(BackupArgs("cold"), GetParam());
}
INSTANTIATE_TEST_SUITE_P(Points, ColdCrashTest, ::testing::ValuesIn(kFullBackupPoints), PointName);

TEST_P(HotCrashTest, KilledThenRunAgain) {
  Ok({"archive", "--home", home_, "--repo", repo_, "--checkpoint"});  // the hot backup's first logs come from the archive too
  Commit(100);
  CrashAndCheck(BackupArgs("hot"), GetParam());
}
INSTANTIATE_TEST_SUITE_P(Points, HotCrashTest, ::testing::ValuesIn(kFullBackupPoints), PointName);

TEST_P(IncrementalCrashTest, KilledThenRunAgainWithTheStandby) {
  Ok(BackupArgs("hot"));
  Commit(100);
  Ok(BackupArgs("incremental"));  // the standby exists; the killed run applies onto it
  Commit(100);
  Ok({"archive", "--home", home_, "--repo", repo_});
  CrashAndCheck(BackupArgs("incremental"), GetParam());
  ASSERT_TRUE(fs::exists(repo_ + "/standby"));
  // The standby is a ready copy holding every commit of the last backup.
  ExpectHoldsAcked(repo_ + "/standby", acked_);
}
INSTANTIATE_TEST_SUITE_P(Points, IncrementalCrashTest, ::testing::ValuesIn(kIncrementalPoints), PointName);

TEST_P(RestoreCrashTest, KilledThenRunAgain) {
  Ok(BackupArgs("hot"));
  const std::string target = tmp_.Sub("restore-" + std::to_string(checks_++));
  CrashAndCheck({"restore", "--repo", repo_, "--target", target}, GetParam());
  ExpectHoldsAcked(target, acked_);
}
INSTANTIATE_TEST_SUITE_P(Points, RestoreCrashTest, ::testing::ValuesIn(kRestorePoints), PointName);

TEST_P(VerifyCrashTest, KilledThenRunAgain) {
  Ok(BackupArgs("hot"));
  CrashAndCheck({"verify", "--repo", repo_}, GetParam());
}
INSTANTIATE_TEST_SUITE_P(Points, VerifyCrashTest, ::testing::ValuesIn(kVerifyPoints), PointName);

// A new full backup and archived logs before the kill, so expire --keep-full 1
// has a backup (an incremental first: newest first) and archived logs to remove.
TEST_P(ExpireCrashTest, KilledThenRunAgain) {
  expiring_ = true;
  Commit(100);
  Ok(BackupArgs("hot"));
  Commit(100);
  Ok({"backup", "--home", home_, "--repo", repo_, "--mode", "incremental"});
  Ok({"archive", "--home", home_, "--repo", repo_, "--checkpoint"});
  Commit(100);
  Ok(BackupArgs("hot"));
  Ok({"archive", "--home", home_, "--repo", repo_, "--checkpoint"});
  CrashAndCheck({"expire", "--repo", repo_, "--keep-full", "1"}, GetParam());
  // The job is done: one full backup left, no leftover, no unrecorded archive file.
  ASSERT_EQ(ExpectListedBackupsValid().size(), 1u);
  for (const auto& e : fs::directory_iterator(repo_ + "/backups")) {
    const std::string name = e.path().filename().string();
    EXPECT_TRUE(name.find(".expired") == std::string::npos && name.find(".partial") == std::string::npos) << name;
  }
  for (const auto& e : fs::directory_iterator(repo_ + "/archive")) {
    const std::string name = e.path().filename().string();
    uint32_t n = 0;
    if (ParseLogFileName(name, &n)) {
      EXPECT_TRUE(fs::exists(e.path().string() + ".json")) << name;
    }
  }
}
INSTANTIATE_TEST_SUITE_P(Points, ExpireCrashTest, ::testing::ValuesIn(kExpirePoints), PointName);

class Summary : public ::testing::Environment {
 public:
  void TearDown() override {
    std::printf("ROBUSTNESS crash_points runs_killed=%d distinct_points=%zu table_size=%zu logs_lost=%d "
                "invalid_backups_published=%d\n",
                tally().runs_killed, tally().points.size(), kCrashPoints.size(), tally().logs_lost,
                tally().invalid_backups);
  }
};
const auto* const kSummary = ::testing::AddGlobalTestEnvironment(new Summary);

}  // namespace
}  // namespace bdb
