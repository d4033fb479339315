// `bdbackup expire` and `bdbackup check` through the real binary on a real
// environment: retention by count, with --dry-run, --pin, backup --expire and
// --config; every error path exits with its code and one line and changes
// nothing; check goes red when backups stop, when the latest chain is
// damaged and when the last verify failed, and writes its Prometheus file.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include <gtest/gtest.h>

#include "engine/repository/backup_id.h"
#include "engine/engine_context.h"
#include "engine/bdb/log_names.h"
#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string ErrorLine(const std::string& what) { return "bdbackup: error: " + what + "\n"; }

json ParseJson(const ProcessResult& r) {
  json doc = json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(doc.is_discarded()) << "stdout is not one JSON document:\n" << r.out;
  return doc.is_discarded() ? json::object() : doc;
}

// Names in a directory, sorted: a snapshot to prove a refused command changed
// nothing. The two lock files are left out: any command may create them.
std::vector<std::string> Tree(const std::string& dir) {
  std::vector<std::string> names;
  if (!fs::exists(dir)) return names;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (e.path().parent_path() == fs::path(dir) && (name == "lock" || name == "readers.lock")) continue;
    names.push_back(e.path().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class ExpireCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = tmp_.Sub("home");
    repo_ = tmp_.Sub("repo");
    TestEnvOptions opts;
    opts.log_file_bytes = 64 * 1024;  // several log files: archive and expire have work
    ASSERT_TRUE(CreateTestEnvironment(home_, opts).ok());
    Commit(200);
  }

  void Commit(int n) { ASSERT_TRUE(CommitMore(home_, n, &used_ids_, &acked_).ok()); }

  ProcessResult Run(std::vector<std::string> args) { return RunBdbackup(std::move(args)); }

  std::string Ok(std::vector<std::string> args) {
    ProcessResult r = Run(std::move(args));
    EXPECT_EQ(r.exit_code, 0) << DescribeRun(r);
    return r.out;
  }

  // Publishes a backup and returns its id.
  std::string Backup(const std::string& mode) {
    ProcessResult r = Run({"backup", "--home", home_, "--repo", repo_, "--mode", mode, "--json"});
    EXPECT_EQ(r.exit_code, 0) << DescribeRun(r);
    return ParseJson(r).value("id", "");
  }
  void Archive() { Ok({"archive", "--home", home_, "--repo", repo_, "--checkpoint"}); }

  std::vector<std::string> Listed() {
    std::vector<std::string> ids;
    for (const auto& b : ParseJson(Run({"list", "--repo", repo_, "--json"})).value("backups", json::array()))
      ids.push_back(b.value("id", ""));
    return ids;
  }

  // Restores `backup`; checks it holds the first `promised` acknowledged
  // commits with their values and returns how many keys it holds.
  size_t Restore(const std::string& backup, size_t promised) {
    const std::string target = tmp_.Sub("restore-" + std::to_string(restores_++));
    Ok({"restore", "--repo", repo_, "--target", target, "--backup", backup});
    std::map<std::string, std::string> a;
    EXPECT_TRUE(ReadDatabase(target, kBtreeDb, &a).ok());
    for (size_t i = 0; i < promised && i < acked_.size(); ++i)
      EXPECT_EQ(a[TestKey(acked_[i])], TestValue(acked_[i])) << "txn " << acked_[i] << " restoring " << backup;
    fs::remove_all(target);
    return a.size();
  }

  // Two chains (hot + incremental each) with archives between them.
  void TwoChains() {
    h1_ = Backup("hot");
    Commit(100);
    i1_ = Backup("incremental");
    Commit(100);
    Archive();
    h2_ = Backup("hot");
    Commit(100);
    i2_ = Backup("incremental");
    acked_at_i2_ = acked_.size();
    Commit(100);
    Archive();
  }

  TempDir tmp_{"bdbackup-expire"};
  std::string home_, repo_;
  std::string h1_, i1_, h2_, i2_;
  size_t acked_at_i2_ = 0;
  std::vector<uint64_t> acked_;
  uint64_t used_ids_ = 0;
  int restores_ = 0;
};

TEST_F(ExpireCheckTest, KeepFullRemovesOlderChainsAndTheirLogsAndWhatIsKeptStillRestores) {
  TwoChains();
  const size_t reached_before = Restore("latest", acked_at_i2_);
  const std::vector<std::string> before = Tree(repo_);
  ProcessResult dry = Run({"expire", "--repo", repo_, "--keep-full", "1", "--dry-run", "--json"});
  ASSERT_EQ(dry.exit_code, 0) << DescribeRun(dry);
  json plan = ParseJson(dry);
  EXPECT_EQ(plan["expired_backups"], json({i1_, h1_}));
  EXPECT_TRUE(plan["dry_run"].get<bool>());
  ASSERT_FALSE(plan["expired_logs"].empty());
  EXPECT_EQ(Tree(repo_), before);  // a dry run changes nothing

  ProcessResult r = Run({"expire", "--repo", repo_, "--keep-full", "1"});
  ASSERT_EQ(r.exit_code, 0) << DescribeRun(r);
  EXPECT_EQ(r.out.rfind("expired 2 backups (", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("  removed backup " + h1_ + "\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  kept " + h2_ + ": the newest full backup (--keep-full); in the chain of kept backup " +
                       i2_ + "\n"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(Listed(), (std::vector<std::string>{h2_, i2_}));
  for (const auto& e : fs::directory_iterator(repo_ + "/backups"))
    EXPECT_TRUE(e.path().filename() == h2_ || e.path().filename() == i2_) << e.path();
  for (const json& n : plan["expired_logs"]) {
    const std::string name = LogFileName(n.get<uint32_t>());
    EXPECT_FALSE(fs::exists(repo_ + "/archive/" + name)) << name;
    EXPECT_FALSE(fs::exists(repo_ + "/archive/" + name + ".json")) << name;
  }
  Ok({"verify", "--repo", repo_, "--backup", h2_});
  Ok({"verify", "--repo", repo_});
  // The latest restores what it restored before expire.
  EXPECT_EQ(Restore("latest", acked_at_i2_), reached_before);
  // Nothing left to do: a second run removes nothing.
  EXPECT_EQ(Ok({"expire", "--repo", repo_, "--keep-full", "1"})
                .rfind("expired 0 backups (0 B) and 0 archived logs (0 B); 2 backups kept\n", 0),
            0u);
}

TEST_F(ExpireCheckTest, APinKeepsAnOldBackupAndItsChainUntilUnpinned) {
  TwoChains();
  // A dry run records no pin.
  EXPECT_NE(Ok({"expire", "--repo", repo_, "--keep-full", "1", "--pin", i1_, "--dry-run"}).find("pins would be: " + i1_),
            std::string::npos);
  EXPECT_FALSE(fs::exists(repo_ + "/pins.json"));
  ProcessResult r = Run({"expire", "--repo", repo_, "--keep-full", "1", "--pin", i1_, "--json"});
  ASSERT_EQ(r.exit_code, 0) << DescribeRun(r);
  EXPECT_EQ(ParseJson(r)["expired_backups"], json::array());
  EXPECT_EQ(ParseJson(r)["pins"], json({i1_}));
  EXPECT_EQ(Listed(), (std::vector<std::string>{h1_, i1_, h2_, i2_}));
  Ok({"verify", "--repo", repo_, "--backup", i1_});
  // The pin is recorded: the next cron run, without --pin, keeps the chain too.
  const std::string again = Ok({"expire", "--repo", repo_, "--keep-full", "1"});
  EXPECT_NE(again.find("  kept " + i1_ + ": pinned (recorded by expire --pin; expire --unpin releases it)\n"),
            std::string::npos)
      << again;
  EXPECT_EQ(Listed(), (std::vector<std::string>{h1_, i1_, h2_, i2_}));
  json listed = ParseJson(Run({"list", "--repo", repo_, "--json"}))["backups"];
  ASSERT_EQ(listed.size(), 4u);
  EXPECT_FALSE(listed[0]["pinned"].get<bool>());
  EXPECT_TRUE(listed[1]["pinned"].get<bool>());
  EXPECT_NE(Ok({"list", "--repo", repo_}).find(i1_), std::string::npos);
  // Unpinning is a change of pins alone; unpinning what is not pinned is bad input.
  r = Run({"expire", "--repo", repo_, "--unpin", h1_});
  EXPECT_EQ(r.exit_code, 2) << DescribeRun(r);
  EXPECT_EQ(r.err, ErrorLine("backup '" + h1_ + "' named by --unpin is not pinned"));
  EXPECT_EQ(Ok({"expire", "--repo", repo_, "--unpin", i1_}), "pinned: none\n");
  EXPECT_EQ(Listed(), (std::vector<std::string>{h1_, i1_, h2_, i2_}));
  Ok({"expire", "--repo", repo_, "--keep-full", "1"});
  EXPECT_EQ(Listed(), (std::vector<std::string>{h2_, i2_}));
}

TEST_F(ExpireCheckTest, DamagedPinsStopExpireAndNothingIsRemoved) {
  TwoChains();
  std::ofstream(repo_ + "/pins.json") << "{\"format_version\": 1, \"pins\": [7]}";
  const std::vector<std::string> before = Tree(repo_);
  ProcessResult r = Run({"expire", "--repo", repo_, "--keep-full", "1"});
  EXPECT_EQ(r.exit_code, 1) << DescribeRun(r);
  EXPECT_EQ(r.err, ErrorLine("expire of repository '" + repo_ + "' refused: pins '" + repo_ +
                             "/pins.json' are not valid: a pin is not a backup id, so expire cannot tell which "
                             "backups are pinned; nothing was removed"));
  EXPECT_EQ(Tree(repo_), before);
}

// An flock(2) on REPO/readers.lock held by this test process, as a running
// verify/restore/check (shared) or expire (exclusive) holds it.
class ReadersLockHolder {
 public:
  ReadersLockHolder(const std::string& repo, int operation) {
    fd_ = ::open((repo + "/readers.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    EXPECT_GE(fd_, 0);
    EXPECT_EQ(::flock(fd_, operation | LOCK_NB), 0);
  }
  ~ReadersLockHolder() { Release(); }
  void Release() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

TEST_F(ExpireCheckTest, ExpireNeverRemovesWhatAVerifyRestoreOrCheckIsReading) {
  TwoChains();
  const std::vector<std::string> before = Tree(repo_);
  {
    ReadersLockHolder verify_running(repo_, LOCK_SH);
    ProcessResult r = Run({"expire", "--repo", repo_, "--keep-full", "1"});
    EXPECT_EQ(r.exit_code, 3) << DescribeRun(r);
    EXPECT_EQ(r.err, ErrorLine("repository '" + repo_ + "' is being read by a verify, restore or check"));
    EXPECT_EQ(Tree(repo_), before);
    // A dry run removes nothing, so it does not wait for readers; nor do other readers.
    Ok({"expire", "--repo", repo_, "--keep-full", "1", "--dry-run"});
    Ok({"verify", "--repo", repo_, "--backup", h1_});
    Ok({"check", "--repo", repo_});
    // backup --expire publishes, then reports that its expire had to wait.
    r = Run({"backup", "--home", home_, "--repo", repo_, "--mode", "hot", "--expire", "--keep-full", "1"});
    EXPECT_EQ(r.exit_code, 3) << DescribeRun(r);
    EXPECT_NE(r.err.find("was published, but expire (--expire) failed: repository '" + repo_ +
                         "' is being read by a verify, restore or check"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(Listed().size(), 5u);
    // Released by a reader that finishes while expire waits (--lock-wait).
    std::thread finish([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      verify_running.Release();
    });
    r = Run({"expire", "--repo", repo_, "--keep-full", "1", "--lock-wait", "60"});
    finish.join();
    EXPECT_EQ(r.exit_code, 0) << DescribeRun(r);
    EXPECT_EQ(Listed().size(), 1u);
  }
  {
    ReadersLockHolder expire_running(repo_, LOCK_EX);
    const std::string busy = ErrorLine("repository '" + repo_ + "' is being expired by another bdbackup process");
    const std::string target = tmp_.Sub("restore-while-expiring");
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"verify", "--repo", repo_},
          std::vector<std::string>{"restore", "--repo", repo_, "--target", target},
          std::vector<std::string>{"check", "--repo", repo_}}) {
      ProcessResult r = Run(args);
      EXPECT_EQ(r.exit_code, 3) << args[0] << ": " << DescribeRun(r);
      EXPECT_EQ(r.err, busy) << args[0];
    }
    EXPECT_FALSE(fs::exists(target));
  }
  Restore("latest", acked_.size());
}

TEST_F(ExpireCheckTest, BackupExpireFromAConfigFileAppliesThePolicyAfterEachPublish) {
  const std::string config = tmp_.Sub("bdbackup.toml");
  std::ofstream(config) << "home = \"" << home_ << "\"\nrepo = \"" << repo_
                        << "\"\nkeep_full = 1\n\n[backup]\nmode = \"hot\"\nexpire = true\n";
  const std::string first = ParseJson(Run({"backup", "--config", config, "--json"})).value("id", "");
  Commit(50);
  ProcessResult r = Run({"backup", "--config", config, "--json"});
  ASSERT_EQ(r.exit_code, 0) << DescribeRun(r);
  json doc = ParseJson(r);
  EXPECT_EQ(doc["expire"]["expired_backups"], json({first}));
  EXPECT_EQ(Listed(), (std::vector<std::string>{doc["id"].get<std::string>()}));
  // The policy keys serve `expire` from the same file, and a [expire] table is accepted.
  std::ofstream(config, std::ios::app) << "\n[expire]\ndry_run = true\npin = [\"" << doc["id"].get<std::string>()
                                       << "\"]\n";
  Ok({"expire", "--config", config});
}

TEST_F(ExpireCheckTest, BadInputIsOneLineAndChangesNothing) {
  TwoChains();
  const std::vector<std::string> before = Tree(repo_);
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string error;
  };
  const std::vector<Case> cases = {
      {{"expire", "--repo", repo_},
       2,
       "bad usage: expire needs a retention policy: --keep-full N, --keep-for DURATION or --keep-pitr DURATION"},
      {{"expire", "--repo", repo_, "--unpin", h1_}, 2, "backup '" + h1_ + "' named by --unpin is not pinned"},
      {{"expire", "--repo", repo_, "--pin", "20200101T000000Z-hot"},
       2,
       "backup '20200101T000000Z-hot' named by --pin is not in the repository"},
      {{"expire", "--repo", repo_, "--keep-for", "7x"},
       2,
       "bad usage: --keep-for '7x' is not a duration: expected a whole number followed by s, m, h or d (90s, 15m, "
       "36h, 7d)"},
      {{"expire", "--repo", repo_, "--keep-pitr", "0d"},
       2,
       "bad usage: --keep-pitr '0d' is not a duration: expected a whole number followed by s, m, h or d (90s, 15m, "
       "36h, 7d)"},
      {{"expire", "--repo", repo_, "--keep-full", "0"},
       2,
       "bad usage: --keep-full needs a positive number of full backups, not 0"},
      {{"expire", "--repo", repo_, "--keep-full", "1", "--pin", "20200101T000000Z-hot"},
       2,
       "backup '20200101T000000Z-hot' named by --pin is not in the repository"},
      {{"expire", "--repo", tmp_.Sub("absent"), "--keep-full", "1"},
       2,
       "repository '" + tmp_.Sub("absent") + "' does not exist"},
      {{"backup", "--home", home_, "--repo", repo_, "--mode", "hot", "--expire"},
       2,
       "bad usage: backup --expire needs a retention policy: --keep-full N, --keep-for DURATION or --keep-pitr "
       "DURATION"},
  };
  for (const Case& c : cases) {
    ProcessResult r = Run(c.args);
    EXPECT_EQ(r.exit_code, c.exit_code) << DescribeRun(r);
    EXPECT_EQ(r.err, ErrorLine(c.error));
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(Tree(repo_), before) << c.error;
  }
  // Locked by another bdbackup: busy, exit 3.
  const int fd = ::open((repo_ + "/lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  ProcessResult locked = Run({"expire", "--repo", repo_, "--keep-full", "1"});
  ::close(fd);
  EXPECT_EQ(locked.exit_code, 3) << DescribeRun(locked);
  EXPECT_EQ(locked.err, ErrorLine("repository '" + repo_ + "' is locked by another bdbackup process"));
  // A manifest expire cannot read: it cannot tell what that backup needs, so it removes nothing (exit 1).
  std::ofstream(repo_ + "/backups/" + i2_ + "/manifest.json") << "{";
  const std::vector<std::string> damaged = Tree(repo_);
  ProcessResult unreadable = Run({"expire", "--repo", repo_, "--keep-full", "1"});
  EXPECT_EQ(unreadable.exit_code, 1) << DescribeRun(unreadable);
  EXPECT_EQ(unreadable.err.rfind(ErrorLine("expire of repository '" + repo_ + "' refused: backup '" + i2_ +
                                           "' cannot be read (manifest '")
                                     .substr(0, 60),
                                 0),
            0u)
      << unreadable.err;
  EXPECT_NE(unreadable.err.find("nothing was removed\n"), std::string::npos) << unreadable.err;
  EXPECT_EQ(Tree(repo_), damaged);
}

// ---------------------------------------------------------------- check

TEST_F(ExpireCheckTest, CheckIsGreenForAFreshVerifiedRepositoryAndWritesPrometheus) {
  const int64_t before_s = WallClockUnixMs() / 1000;
  const std::string id = Backup("hot");
  Archive();
  ProcessResult r = Run({"check", "--repo", repo_, "--max-age", "1h", "--max-archive-lag", "1h"});
  ASSERT_EQ(r.exit_code, 0) << DescribeRun(r);
  EXPECT_EQ(r.out.rfind("OK: newest backup " + id + " ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("(limit 1h); newest archived log log.0000000"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("; chain complete (1 backups, logs "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("; never verified\n"), std::string::npos) << r.out;

  Ok({"verify", "--repo", repo_});
  const std::string prom = tmp_.Sub("bdbackup.prom");
  r = Run({"check", "--repo", repo_, "--json", "--prometheus", prom});
  ASSERT_EQ(r.exit_code, 0) << DescribeRun(r);
  json doc = ParseJson(r);
  EXPECT_TRUE(doc["healthy"].get<bool>());
  EXPECT_TRUE(doc["chain_complete"].get<bool>());
  EXPECT_EQ(doc["last_verify"]["backup"], id);
  EXPECT_TRUE(doc["last_verify"]["ok"].get<bool>());
  int64_t point_ms = 0;
  ASSERT_TRUE(doc["recovery_point"].is_string()) << doc.dump();
  ASSERT_TRUE(ParseUtcTimestamp(doc["recovery_point"].get<std::string>(), &point_ms).ok());
  // The commits happened during this test (BDB stamps commits in whole seconds).
  EXPECT_GE(point_ms / 1000, before_s - 5);
  EXPECT_LE(point_ms / 1000, WallClockUnixMs() / 1000);
  const std::string text = ReadFileContents(prom);
  EXPECT_NE(text.find("# TYPE bdbackup_check_ok gauge\nbdbackup_check_ok{repository=\"" + repo_ + "\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("bdbackup_recovery_point_timestamp_seconds{"), std::string::npos) << text;
  EXPECT_NE(text.find("bdbackup_last_verify_ok{repository=\"" + repo_ + "\"} 1\n"), std::string::npos) << text;
  EXPECT_FALSE(fs::exists(prom + ".tmp"));
}

TEST_F(ExpireCheckTest, CheckGoesRedWhenBackupsStopTheChainBreaksOrVerifyFailed) {
  ProcessResult empty = Run({"check", "--repo", tmp_.Sub("new-repo")});
  EXPECT_EQ(empty.exit_code, 2) << DescribeRun(empty);  // no repository at all: bad input
  const std::string id = Backup("hot");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  const std::string prom = tmp_.Sub("bdbackup.prom");
  ProcessResult old = Run({"check", "--repo", repo_, "--max-age", "1s", "--prometheus", prom});
  EXPECT_EQ(old.exit_code, 1) << DescribeRun(old);
  EXPECT_EQ(old.err.rfind("bdbackup: error: check of repository '" + repo_ + "': CRITICAL: newest backup " + id +
                              " is ",
                          0),
            0u)
      << old.err;
  EXPECT_NE(old.err.find(" old, over --max-age 1s | newest backup " + id), std::string::npos) << old.err;
  EXPECT_EQ(old.out, "");
  EXPECT_NE(ReadFileContents(prom).find("bdbackup_check_ok{repository=\"" + repo_ + "\"} 0\n"), std::string::npos);
  ProcessResult no_archive = Run({"check", "--repo", repo_, "--max-archive-lag", "1h"});
  EXPECT_EQ(no_archive.exit_code, 1);
  EXPECT_NE(no_archive.err.find("CRITICAL: no log was ever archived (--max-archive-lag 1h) | "), std::string::npos)
      << no_archive.err;

  // A database file of the backup damaged in place: verify fails and check reports it.
  std::string db_file;
  for (const auto& e : fs::directory_iterator(repo_ + "/backups/" + id))
    if (e.path().filename() == kBtreeDb) db_file = e.path().string();
  ASSERT_FALSE(db_file.empty());
  {
    std::fstream f(db_file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096 + 100);
    f.put('\x5a');
  }
  EXPECT_EQ(Run({"verify", "--repo", repo_}).exit_code, 1);
  ProcessResult failed = Run({"check", "--repo", repo_, "--json"});
  EXPECT_EQ(failed.exit_code, 1);
  json doc = ParseJson(failed);
  EXPECT_FALSE(doc["healthy"].get<bool>());
  EXPECT_FALSE(doc["last_verify"]["ok"].get<bool>());
  ASSERT_EQ(doc["problems"].size(), 1u) << doc.dump();
  EXPECT_EQ(doc["problems"][0].get<std::string>().rfind("the last verify (backup " + id + ", ", 0), 0u);

  // A file of the latest backup gone: the chain is incomplete.
  fs::remove(db_file);
  ProcessResult broken = Run({"check", "--repo", repo_});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_NE(broken.err.find("CRITICAL: the chain of the latest backup is incomplete: file 'a.db' of backup '" + id +
                            "' is missing; "),
            std::string::npos)
      << broken.err;
}

TEST_F(ExpireCheckTest, CheckBadInputIsOneLine) {
  Backup("hot");
  ProcessResult r = Run({"check", "--repo", repo_, "--max-age", "36"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, ErrorLine("bad usage: --max-age '36' is not a duration: expected a whole number followed by s, m, "
                             "h or d (90s, 15m, 36h, 7d)"));
  r = Run({"check", "--repo", repo_, "--prometheus", tmp_.Sub("no/such/dir/x.prom")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, ErrorLine("bad usage: --prometheus '" + tmp_.Sub("no/such/dir/x.prom") + "': directory '" +
                             tmp_.Sub("no/such/dir") + "' does not exist"));
  r = Run({"check", "--repo", repo_, "--max-archive-lag", "15m", "--json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_FALSE(ParseJson(r)["ok"].get<bool>());
}

}  // namespace
}  // namespace bdb
