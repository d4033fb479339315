// DB_TXN_BULK transactions and DB_LOG_AUTO_REMOVE through the real bdbackup
// binary on real environments: a bulk loader in this process commits
// transactions that BDB does not fully log unless a hot backup is announced;
// backups announce themselves (and keep the announcement with
// --hold-hotbackup), so the chain restores every committed value, or the
// incremental refuses with its exact message. Auto-removal is paused during
// backups, refused by archive unless taken over, and explained in a log gap.
#include <db.h>
#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <ctime>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "engine/bdb/bdb_environment.h"
#include "engine/copy/content_hash.h"
#include "base/file_io.h"
#include "engine/bdb/log_names.h"
#include "engine/repository/manifest.h"
#include "engine/repository/repository.h"
#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

constexpr uint32_t kOpenFlags = DB_CREATE | DB_INIT_MPOOL | DB_INIT_LOG | DB_INIT_TXN | DB_INIT_LOCK | DB_THREAD;
constexpr const char* kBulkDb = "bulk.db";
constexpr int kRecordsPerTxn = 300;

std::string ErrorLine(const std::string& what) { return "bdbackup: error: " + what + "\n"; }

std::string BulkKey(int txn, int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "bulk-%05d-%05d", txn, i);
  return buf;
}
std::string BulkValue(int txn, int i) { return BulkKey(txn, i) + std::string(150, static_cast<char>('a' + i % 26)); }

// Joins an environment and appends records to bulk.db in DB_TXN_BULK
// transactions (sorted keys: every insert lands on a page the transaction
// allocated, exactly what BDB leaves out of the log).
class BulkLoader {
 public:
  ~BulkLoader() { Close(); }
  void Open(const std::string& home) {
    ASSERT_EQ(db_env_create(&env_, 0), 0);
    errors_.Attach(env_);
    ASSERT_EQ(env_->open(env_, home.c_str(), kOpenFlags, 0), 0) << errors_.Take(-1);
    ASSERT_EQ(db_create(&db_, env_, 0), 0);
    ASSERT_EQ(db_->open(db_, nullptr, kBulkDb, nullptr, DB_BTREE, DB_CREATE | DB_AUTO_COMMIT | DB_THREAD, 0644), 0)
        << errors_.Take(-1);
  }
  // Begins bulk transaction `txn` and inserts its records; Commit() ends it.
  void Begin(int txn) {
    ASSERT_EQ(env_->txn_begin(env_, nullptr, &open_, DB_TXN_BULK), 0);
    for (int i = 0; i < kRecordsPerTxn; ++i) {
      std::string k = BulkKey(txn, i), v = BulkValue(txn, i);
      DBT key = StringDbt(k), value = StringDbt(v);
      ASSERT_EQ(db_->put(db_, open_, &key, &value, 0), 0) << errors_.Take(-1);
    }
  }
  void Commit() {
    ASSERT_EQ(open_->commit(open_, 0), 0) << errors_.Take(-1);
    open_ = nullptr;
  }
  void CommitRange(int first, int last) {
    for (int t = first; t <= last; ++t) {
      ASSERT_NO_FATAL_FAILURE(Begin(t));
      ASSERT_NO_FATAL_FAILURE(Commit());
    }
  }
  // One transaction (DB_TXN_BULK or ordinary) putting n records with keys
  // "k<first + i * stride>" (8 digits) and 100-byte values.
  void PutSorted(int first, int n, uint32_t flags, int stride = 1) {
    std::vector<int> keys;
    for (int i = 0; i < n; ++i) keys.push_back(first + i * stride);
    ASSERT_NO_FATAL_FAILURE(Put(keys, flags));
  }
  // overwrite >= 0: then, in the same transaction, that key's value becomes 600 bytes.
  void Put(const std::vector<int>& keys, uint32_t flags, int overwrite = -1) {
    DB_TXN* txn = nullptr;
    ASSERT_EQ(env_->txn_begin(env_, nullptr, &txn, flags), 0);
    std::vector<std::pair<int, size_t>> puts;
    for (int i : keys) puts.emplace_back(i, 100);
    if (overwrite >= 0) puts.emplace_back(overwrite, 600);
    for (auto [i, bytes] : puts) {
      char k[32];
      std::snprintf(k, sizeof(k), "k%08d", i);
      std::string key = k, v(bytes, static_cast<char>('a' + i % 26));
      DBT kd = StringDbt(key), vd = StringDbt(v);
      ASSERT_EQ(db_->put(db_, txn, &kd, &vd, 0), 0) << errors_.Take(-1);
    }
    ASSERT_EQ(txn->commit(txn, 0), 0) << errors_.Take(-1);
  }
  // Another process withdrawing and re-raising an announcement it never made.
  void SetAnnounced(int on) { ASSERT_EQ(env_->set_flags(env_, DB_HOTBACKUP_IN_PROGRESS, on), 0); }
  void SetAutoRemoval(int on) { ASSERT_EQ(env_->log_set_config(env_, DB_LOG_AUTO_REMOVE, on), 0); }
  bool AutoRemoval() {
    int on = 0;
    EXPECT_EQ(env_->log_get_config(env_, DB_LOG_AUTO_REMOVE, &on), 0);
    return on != 0;
  }
  void Checkpoint() { ASSERT_EQ(env_->txn_checkpoint(env_, 0, 0, DB_FORCE), 0); }
  bool Announced() {
    uint32_t flags = 0;
    EXPECT_EQ(env_->get_flags(env_, &flags), 0);
    return (flags & DB_HOTBACKUP_IN_PROGRESS) != 0;
  }
  void Close() {
    if (open_ != nullptr) open_->abort(open_);
    open_ = nullptr;
    if (db_ != nullptr) db_->close(db_, 0);
    db_ = nullptr;
    if (env_ != nullptr) env_->close(env_, 0);
    env_ = nullptr;
  }

 private:
  DB_ENV* env_ = nullptr;
  DB* db_ = nullptr;
  DB_TXN* open_ = nullptr;
  BdbErrorText errors_;
};

class BulkAndAutoRemoveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = tmp_.Sub("home");
    repo_ = tmp_.Sub("repo");
    TestEnvOptions opts;
    opts.log_file_bytes = 256 * 1024;
    ASSERT_TRUE(CreateTestEnvironment(home_, opts).ok());
  }

  void ExpectRestoresBulkTxns(int first, int last) {
    ProcessResult v = RunBdbackup({"verify", "--repo", repo_});
    EXPECT_EQ(v.exit_code, 0) << v.err;
    const std::string target = tmp_.Sub("restored");
    ProcessResult r = RunBdbackup({"restore", "--repo", repo_, "--target", target, "--force"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::map<std::string, std::string> got;
    ASSERT_TRUE(ReadDatabase(target, kBulkDb, &got).ok());
    size_t expected = 0;
    for (int t = first; t <= last; ++t) {
      for (int i = 0; i < kRecordsPerTxn; ++i, ++expected) {
        auto it = got.find(BulkKey(t, i));
        ASSERT_NE(it, got.end()) << "transaction " << t << " record " << i << " is missing";
        ASSERT_EQ(it->second, BulkValue(t, i));
      }
    }
    EXPECT_EQ(got.size(), expected);
  }

  void AppendConfig(const std::string& line) {
    std::ofstream out(home_ + "/DB_CONFIG", std::ios::app);
    out << line << "\n";
  }

  TempDir tmp_;
  std::string home_, repo_;
};

TEST_F(BulkAndAutoRemoveTest, HeldAnnouncementKeepsBulkTransactionsInTheLogAcrossIncrementals) {
  BulkLoader loader;
  ASSERT_NO_FATAL_FAILURE(loader.Open(home_));
  ASSERT_NO_FATAL_FAILURE(loader.CommitRange(1, 10));  // before any backup: unlogged, flushed at commit
  ProcessResult hot = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot", "--hold-hotbackup"});
  ASSERT_EQ(hot.exit_code, 0) << hot.err;
  EXPECT_TRUE(loader.Announced()) << "--hold-hotbackup keeps the announcement counted";
  EXPECT_NE(hot.out.find("\n  hot backup announcement kept (--hold-hotbackup): DB_TXN_BULK transactions stay logged "
                         "until a backup without it\n"),
            std::string::npos)
      << hot.out;
  ASSERT_NO_FATAL_FAILURE(loader.CommitRange(11, 20));
  ProcessResult inc1 =
      RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "incremental", "--hold-hotbackup"});
  ASSERT_EQ(inc1.exit_code, 0) << inc1.err;
  EXPECT_TRUE(loader.Announced());
  ASSERT_NO_FATAL_FAILURE(loader.CommitRange(21, 30));
  ProcessResult inc2 = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "incremental"});
  ASSERT_EQ(inc2.exit_code, 0) << inc2.err;
  EXPECT_FALSE(loader.Announced()) << "an incremental without --hold-hotbackup withdraws the kept announcement";
  loader.Close();
  ExpectRestoresBulkTxns(1, 30);
}

TEST_F(BulkAndAutoRemoveTest, HotBackupAnnouncesOnlyForItsDuration) {
  BulkLoader loader;
  ASSERT_NO_FATAL_FAILURE(loader.Open(home_));
  ASSERT_NO_FATAL_FAILURE(loader.Begin(1));  // in progress while the hot backup announces: BDB checkpoints
  ProcessResult hot = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot"});
  ASSERT_EQ(hot.exit_code, 0) << hot.err;
  EXPECT_FALSE(loader.Announced());
  ASSERT_NO_FATAL_FAILURE(loader.Commit());
  ProcessResult bad = RunBdbackup({"backup", "--home", tmp_.Sub("missing"), "--repo", repo_, "--mode", "hot"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_FALSE(loader.Announced());
}

TEST_F(BulkAndAutoRemoveTest, IncrementalRefusesWhileABulkTransactionIsInProgress) {
  ProcessResult hot = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot"});
  ASSERT_EQ(hot.exit_code, 0) << hot.err;
  BulkLoader loader;
  ASSERT_NO_FATAL_FAILURE(loader.Open(home_));
  ASSERT_NO_FATAL_FAILURE(loader.Begin(1));
  ProcessResult inc = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "incremental"});
  EXPECT_EQ(inc.exit_code, 1);
  EXPECT_EQ(inc.err, ErrorLine("incremental backup of '" + home_ +
                               "' refused: a DB_TXN_BULK transaction was in progress (BDB checkpointed to take the hot "
                               "backup announcement), and bulk transactions do not log inserts on new pages, so the "
                               "log cannot rebuild them; take a hot backup with --hold-hotbackup, after which "
                               "incrementals stay safe"));
  EXPECT_FALSE(loader.Announced()) << "the refused incremental withdrew its announcement";
  ASSERT_NO_FATAL_FAILURE(loader.Commit());
  ProcessResult list = RunBdbackup({"list", "--repo", repo_, "--json"});
  EXPECT_EQ(list.out.find("incremental"), std::string::npos) << "nothing was published";
}

TEST_F(BulkAndAutoRemoveTest, IncrementalRefusesWhenTheKeptAnnouncementWasLostToRecovery) {
  ProcessResult hot = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot", "--hold-hotbackup"});
  ASSERT_EQ(hot.exit_code, 0) << hot.err;
  ProcessResult recover = RunProcess({"db5.3_recover", "-h", home_});  // rebuilds the regions: the count is gone
  ASSERT_EQ(recover.exit_code, 0) << recover.err;
  std::string hot_id = hot.out.substr(hot.out.find("20"), hot.out.find("-hot") + 4 - hot.out.find("20"));
  ProcessResult inc = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "incremental"});
  EXPECT_EQ(inc.exit_code, 1);
  EXPECT_EQ(inc.err,
            ErrorLine("incremental backup of '" + home_ + "' refused: the hot backup announcement kept since backup '" +
                      hot_id +
                      "' (--hold-hotbackup) is gone (the environment's regions were rebuilt, e.g. by recovery), so "
                      "DB_TXN_BULK transactions since then may have left pages out of the log; take a hot backup "
                      "(with --hold-hotbackup to keep incrementals possible)"));
  ProcessResult again = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot", "--hold-hotbackup"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  ProcessResult inc2 = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "incremental"});
  EXPECT_EQ(inc2.exit_code, 0) << inc2.err;
}

// Without a kept announcement, completed bulk transactions are found in the
// log; publishing that chain made restore and verify crash (SIGSEGV) before.
TEST_F(BulkAndAutoRemoveTest, IncrementalRefusesCompletedBulkTransactionsItFindsInTheLog) {
  BulkLoader loader;
  ASSERT_NO_FATAL_FAILURE(loader.Open(home_));
  ASSERT_NO_FATAL_FAILURE(loader.CommitRange(1, 3));
  ProcessResult hot = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot"});
  ASSERT_EQ(hot.exit_code, 0) << hot.err;
  const std::string hot_id = hot.out.substr(hot.out.find("20"), hot.out.find("-hot") + 4 - hot.out.find("20"));
  ASSERT_NO_FATAL_FAILURE(loader.CommitRange(4, 30));
  ProcessResult inc = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "incremental"});
  EXPECT_EQ(inc.exit_code, 1);
  const std::string head = "bdbackup: error: incremental backup of '" + home_ + "' refused: the log since backup '" +
                           hot_id + "' shows a DB_TXN_BULK transaction BDB did not fully log (transaction ";
  const std::string tail =
      " without logging it), so this chain could not restore it; take a hot backup with --hold-hotbackup, after "
      "which incrementals stay safe\n";
  EXPECT_EQ(inc.err.rfind(head, 0), 0u) << inc.err;
  ASSERT_GE(inc.err.size(), tail.size());
  EXPECT_EQ(inc.err.substr(inc.err.size() - tail.size()), tail) << inc.err;
  EXPECT_NE(inc.err.find(" filled page "), std::string::npos) << inc.err;
  EXPECT_FALSE(loader.Announced());
  // Nothing was published: the hot backup alone verifies and restores its own 3 transactions.
  ExpectRestoresBulkTxns(1, 3);
  // The remedy works: a kept announcement, then incrementals.
  ProcessResult again = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot", "--hold-hotbackup"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  ASSERT_NO_FATAL_FAILURE(loader.CommitRange(31, 40));
  ProcessResult inc2 = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "incremental"});
  ASSERT_EQ(inc2.exit_code, 0) << inc2.err;
  loader.Close();
  ExpectRestoresBulkTxns(1, 40);
}

// A restore that rolls forward through archived or live logs past the last
// backup scans them too: replaying the bulk transaction crashed recovery.
TEST_F(BulkAndAutoRemoveTest, RestoreRefusesArchivedLogsWithUnloggedBulkInserts) {
  BulkLoader loader;
  ASSERT_NO_FATAL_FAILURE(loader.Open(home_));
  ProcessResult hot = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot"});
  ASSERT_EQ(hot.exit_code, 0) << hot.err;
  const std::string hot_id = hot.out.substr(hot.out.find("20"), hot.out.find("-hot") + 4 - hot.out.find("20"));
  ::sleep(1);  // a --until between the backup and the bulk transactions (whole seconds, as BDB stamps commits)
  const std::string before_bulk = [] {
    char buf[32];
    time_t now = ::time(nullptr);
    std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    return std::string(buf);
  }();
  ::sleep(1);
  ASSERT_NO_FATAL_FAILURE(loader.CommitRange(1, 30));
  ASSERT_NO_FATAL_FAILURE(loader.Checkpoint());
  ProcessResult archive = RunBdbackup({"archive", "--home", home_, "--repo", repo_});
  ASSERT_EQ(archive.exit_code, 0) << archive.err;
  ASSERT_NE(archive.out.find("archived "), std::string::npos) << archive.out;
  const std::string target = tmp_.Sub("restored");
  const std::string head = "bdbackup: error: restore refused: the logs after backup '" + hot_id +
                           "' (from the archive or the live environment) show a DB_TXN_BULK transaction BDB did not "
                           "fully log (transaction ";
  const std::string tail =
      " without logging it), so recovery could not rebuild it; restore with --until a time before that transaction, "
      "or without --live-logs, or take backups with --hold-hotbackup\n";
  for (const std::vector<std::string>& extra : {std::vector<std::string>{}, {"--live-logs", home_}}) {
    std::vector<std::string> args = {"restore", "--repo", repo_, "--target", target};
    args.insert(args.end(), extra.begin(), extra.end());
    ProcessResult r = RunBdbackup(args);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_EQ(r.err.rfind(head, 0), 0u) << r.err;
    ASSERT_GE(r.err.size(), tail.size());
    EXPECT_EQ(r.err.substr(r.err.size() - tail.size()), tail) << r.err;
    EXPECT_NE(::access(target.c_str(), F_OK), 0) << "nothing is left half restored";
  }
  ProcessResult until = RunBdbackup({"restore", "--repo", repo_, "--target", target, "--until", before_bulk});
  EXPECT_EQ(until.exit_code, 0) << until.err;
}

// Publishes, through the repository API, the incremental an earlier bdbackup
// (one that did not scan for bulk transactions) would have: every log from
// the latest backup's last one to the end of the live log.
void PublishUncheckedIncremental(const std::string& home, const std::string& repo_dir) {
  FileIO* io = DefaultFileIO();
  std::unique_ptr<Repository> repo;
  ASSERT_TRUE(Repository::Open(io, repo_dir, false, &repo).ok());
  Manifest parent;
  ASSERT_TRUE(repo->LoadManifest("latest", &parent).ok());
  DB_ENV* env = nullptr;
  ASSERT_EQ(db_env_create(&env, 0), 0);
  ASSERT_EQ(env->open(env, home.c_str(), DB_JOINENV, 0), 0);
  ASSERT_EQ(env->log_flush(env, nullptr), 0);
  DB_LOG_STAT* stat = nullptr;
  ASSERT_EQ(env->log_stat(env, &stat, 0), 0);
  Manifest m;
  m.mode = BackupMode::kIncremental;
  m.parent = parent.id;
  m.start_unix_ms = m.end_unix_ms = parent.end_unix_ms + 1000;
  m.source_home = home;
  m.tool_version = "0.0.0-unchecked";
  m.log_dir_rel = parent.log_dir_rel;
  m.first_log = parent.last_log;
  m.last_log = stat->st_cur_file;
  m.end_lsn = ManifestLsn{stat->st_cur_file, stat->st_cur_offset};
  ::free(stat);
  env->close(env, 0);
  ASSERT_TRUE(repo->NewBackupId(m.start_unix_ms, m.mode, &m.id).ok());
  std::string partial;
  ASSERT_TRUE(repo->BeginBackup(m.id, &partial).ok());
  ASSERT_TRUE(io->MakeDir(JoinPath(partial, m.log_dir_rel), 0700).ok());
  for (uint32_t n = m.first_log; n <= m.last_log; ++n) {
    const std::string rel = JoinPath(m.log_dir_rel, LogFileName(n));
    std::filesystem::copy_file(JoinPath(home, rel), JoinPath(partial, rel));
    ManifestFile f;
    f.path = rel;
    f.kind = "log";
    ASSERT_TRUE(HashFile(io, JoinPath(partial, rel), &f.xxh3, &f.size).ok());
    m.files.push_back(f);
  }
  ASSERT_TRUE(repo->PublishBackup(m.id, m).ok());
}

// Such a chain made verify and restore crash with SIGSEGV in recovery; now
// both name the backup (exit 1) before recovery runs.
TEST_F(BulkAndAutoRemoveTest, VerifyAndRestoreNameAPublishedChainWithUnloggedBulkInserts) {
  BulkLoader loader;
  ASSERT_NO_FATAL_FAILURE(loader.Open(home_));
  ProcessResult hot = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot"});
  ASSERT_EQ(hot.exit_code, 0) << hot.err;
  const std::string hot_id = hot.out.substr(hot.out.find("20"), hot.out.find("-hot") + 4 - hot.out.find("20"));
  ASSERT_NO_FATAL_FAILURE(loader.CommitRange(1, 30));
  ASSERT_NO_FATAL_FAILURE(PublishUncheckedIncremental(home_, repo_));
  loader.Close();
  ProcessResult v = RunBdbackup({"verify", "--repo", repo_});
  EXPECT_EQ(v.exit_code, 1) << v.out << v.err;
  const std::string head = "bdbackup: error: backup '";
  const std::string middle = "' cannot be restored: its logs since backup '" + hot_id +
                             "' show a DB_TXN_BULK transaction BDB did not fully log (transaction ";
  const std::string tail = " without logging it); restore backup '" + hot_id + "' instead, and take a hot backup\n";
  EXPECT_EQ(v.err.rfind(head, 0), 0u) << v.err;
  EXPECT_NE(v.err.find(middle), std::string::npos) << v.err;
  ASSERT_GE(v.err.size(), tail.size());
  EXPECT_EQ(v.err.substr(v.err.size() - tail.size()), tail) << v.err;
  ProcessResult r = RunBdbackup({"restore", "--repo", repo_, "--target", tmp_.Sub("restored")});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.err, v.err);
  ProcessResult parent = RunBdbackup({"restore", "--repo", repo_, "--target", tmp_.Sub("parent"), "--backup", hot_id});
  EXPECT_EQ(parent.exit_code, 0) << parent.err;
}

// A held announcement that another process withdraws and raises again no
// longer hides bulk transactions: the incremental scans its logs anyway.
TEST_F(BulkAndAutoRemoveTest, IncrementalScansEvenUnderAHeldAnnouncement) {
  BulkLoader loader;
  ASSERT_NO_FATAL_FAILURE(loader.Open(home_));
  ProcessResult hot = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot", "--hold-hotbackup"});
  ASSERT_EQ(hot.exit_code, 0) << hot.err;
  ASSERT_NO_FATAL_FAILURE(loader.SetAnnounced(0));
  ASSERT_NO_FATAL_FAILURE(loader.CommitRange(1, 30));
  ASSERT_NO_FATAL_FAILURE(loader.SetAnnounced(1));
  ProcessResult inc = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "incremental"});
  EXPECT_EQ(inc.exit_code, 1) << inc.err;
  EXPECT_NE(inc.err.find("shows a DB_TXN_BULK transaction BDB did not fully log"), std::string::npos) << inc.err;
}

TEST_F(BulkAndAutoRemoveTest, HotIfRefusedTakesAHotBackupInsteadOfARefusedIncremental) {
  BulkLoader loader;
  ASSERT_NO_FATAL_FAILURE(loader.Open(home_));
  ProcessResult hot = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot"});
  ASSERT_EQ(hot.exit_code, 0) << hot.err;
  ASSERT_NO_FATAL_FAILURE(loader.CommitRange(1, 30));
  ProcessResult inc =
      RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "incremental", "--hot-if-refused"});
  ASSERT_EQ(inc.exit_code, 0) << inc.err;
  EXPECT_EQ(inc.out.rfind("incremental backup refused (incremental backup of '" + home_ + "' refused: the log since backup '", 0),
            0u)
      << inc.out;
  EXPECT_NE(inc.out.find("): took a hot backup instead\nbackup "), std::string::npos) << inc.out;
  EXPECT_NE(inc.out.find("-hot published: hot backup"), std::string::npos) << inc.out;
  loader.Close();
  ExpectRestoresBulkTxns(1, 30);
  ProcessResult usage = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot", "--hot-if-refused"});
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_EQ(usage.err, ErrorLine("bad usage: --hot-if-refused needs --mode incremental"));
}

// A bulk transaction too small to split the page it added to the file a
// second time: 30 sorted records after 2,000 split the last leaf once, and
// BDB logged the split but not one insert on the new page. Without the
// second trace the incremental publishes that chain, and its restore
// succeeds without 13 of the 30 records.
TEST_F(BulkAndAutoRemoveTest, IncrementalRefusesASmallBulkTransactionThatSplitOnce) {
  BulkLoader loader;
  ASSERT_NO_FATAL_FAILURE(loader.Open(home_));
  ASSERT_NO_FATAL_FAILURE(loader.PutSorted(0, 2000, 0));
  ProcessResult hot = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot"});
  ASSERT_EQ(hot.exit_code, 0) << hot.err;
  const std::string hot_id = hot.out.substr(hot.out.find("20"), hot.out.find("-hot") + 4 - hot.out.find("20"));
  ASSERT_NO_FATAL_FAILURE(loader.PutSorted(2000, 30, DB_TXN_BULK));
  ProcessResult inc = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "incremental"});
  EXPECT_EQ(inc.exit_code, 1);
  const std::string head = "bdbackup: error: incremental backup of '" + home_ + "' refused: the log since backup '" +
                           hot_id + "' shows a DB_TXN_BULK transaction BDB did not fully log (transaction ";
  const std::string tail =
      " onto a page it added to the file without logging the insert that made the split), so this chain could not "
      "restore it; take a hot backup with --hold-hotbackup, after which incrementals stay safe\n";
  EXPECT_EQ(inc.err.rfind(head, 0), 0u) << inc.err;
  ASSERT_GE(inc.err.size(), tail.size());
  EXPECT_EQ(inc.err.substr(inc.err.size() - tail.size()), tail) << inc.err;
  ProcessResult list = RunBdbackup({"list", "--repo", repo_, "--json"});
  EXPECT_EQ(list.out.find("incremental"), std::string::npos) << "nothing was published";
  // --hot-if-refused: a hot backup instead, which restores all 2,030 records.
  ProcessResult instead =
      RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "incremental", "--hot-if-refused"});
  ASSERT_EQ(instead.exit_code, 0) << instead.err;
  EXPECT_NE(instead.out.find("): took a hot backup instead\nbackup "), std::string::npos) << instead.out;
  EXPECT_NE(instead.out.find("-hot published: hot backup"), std::string::npos) << instead.out;
  loader.Close();
  std::map<std::string, std::string> live, got;
  ASSERT_TRUE(ReadDatabase(home_, kBulkDb, &live).ok());
  ASSERT_EQ(live.size(), 2030u);
  ProcessResult v = RunBdbackup({"verify", "--repo", repo_});
  EXPECT_EQ(v.exit_code, 0) << v.err;
  const std::string target = tmp_.Sub("restored");
  ProcessResult r = RunBdbackup({"restore", "--repo", repo_, "--target", target});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(ReadDatabase(target, kBulkDb, &got).ok());
  EXPECT_EQ(got, live);
}

// What the log cannot show, found on the live page: the insert that made the
// split went to the old half (logged), a later one to the new half (not
// logged, no second split). The page still carries the split's LSN and one
// pair more than the split left there.
TEST_F(BulkAndAutoRemoveTest, IncrementalRefusesABulkInsertOnlyTheLivePageShows) {
  BulkLoader loader;
  ASSERT_NO_FATAL_FAILURE(loader.Open(home_));
  ASSERT_NO_FATAL_FAILURE(loader.PutSorted(0, 2000, 0, 50000));  // 32 records a leaf, room for one more
  ProcessResult hot = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot"});
  ASSERT_EQ(hot.exit_code, 0) << hot.err;
  ASSERT_NO_FATAL_FAILURE(loader.Put({1, 2, 1500001}, DB_TXN_BULK));
  ProcessResult inc = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "incremental"});
  EXPECT_EQ(inc.exit_code, 1);
  EXPECT_NE(inc.err.find("' refused: the log since backup '"), std::string::npos) << inc.err;
  EXPECT_NE(inc.err.find(" of '" + home_ + "/" + kBulkDb + "' by a split; the log put "), std::string::npos) << inc.err;
  EXPECT_NE(inc.err.find(": inserts no log record made), so this chain could not restore it; take a hot backup "
                         "with --hold-hotbackup, after which incrementals stay safe\n"),
            std::string::npos)
      << inc.err;
  ProcessResult list = RunBdbackup({"list", "--repo", repo_, "--json"});
  EXPECT_EQ(list.out.find("incremental"), std::string::npos) << "nothing was published";
}

// An ordinary transaction in an empty btree: 100 sorted records split the
// root one-sidedly (the new left page gets all but one pair, no insert
// logged on it), then a larger value for the fifth record splits that page
// before anything on it is logged. Nothing is unlogged: the incremental
// publishes (a first trace that held any split of a page with no insert
// logged on it would refuse it: "filled page ... without logging it").
TEST_F(BulkAndAutoRemoveTest, IncrementalPublishesAnOrdinarySplitOfAPageAOneSidedSplitFilled) {
  BulkLoader loader;
  ASSERT_NO_FATAL_FAILURE(loader.Open(home_));
  ProcessResult hot = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot"});
  ASSERT_EQ(hot.exit_code, 0) << hot.err;
  std::vector<int> keys;
  for (int i = 0; i < 100; ++i) keys.push_back(i);
  ASSERT_NO_FATAL_FAILURE(loader.Put(keys, 0, /*overwrite=*/4));
  ProcessResult inc = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "incremental"});
  EXPECT_EQ(inc.exit_code, 0) << inc.err;
  loader.Close();
  std::map<std::string, std::string> live, got;
  ASSERT_TRUE(ReadDatabase(home_, kBulkDb, &live).ok());
  ASSERT_EQ(live.size(), 100u);
  const std::string target = tmp_.Sub("restored");
  ProcessResult r = RunBdbackup({"restore", "--repo", repo_, "--target", target});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(ReadDatabase(target, kBulkDb, &got).ok());
  EXPECT_EQ(got, live);
}

// What a SIGKILL leaves behind (docs/bulk-transactions.md,
// docs/log-auto-removal.md): the announcement stays counted and
// auto-removal stays off (both in the shared regions) until recovery rebuilds
// them; the next backups work meanwhile.
TEST_F(BulkAndAutoRemoveTest, SigkillLeavesTheAnnouncementCountedAndAutoRemovalOff) {
  BulkLoader loader;
  ASSERT_NO_FATAL_FAILURE(loader.Open(home_));
  ASSERT_NO_FATAL_FAILURE(loader.SetAutoRemoval(1));
  ProcessResult killed = RunProcess({"fiu-run", "-x", "-c", "enable name=bdbackup/crash/backup/after_database_files",
                                     BDBACKUP_BIN, "backup", "--home", home_, "--repo", repo_, "--mode", "hot"});
  ASSERT_EQ(killed.exit_code, 128 + SIGKILL) << killed.err;
  EXPECT_TRUE(loader.Announced());
  EXPECT_FALSE(loader.AutoRemoval());
  ProcessResult hot = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot"});
  ASSERT_EQ(hot.exit_code, 0) << hot.err;
  EXPECT_TRUE(loader.Announced()) << "the killed run's count is still there";
  loader.Close();
  ProcessResult recover = RunProcess({"db5.3_recover", "-h", home_});
  ASSERT_EQ(recover.exit_code, 0) << recover.err;
  ASSERT_NO_FATAL_FAILURE(loader.Open(home_));
  EXPECT_FALSE(loader.Announced()) << "recovery rebuilt the regions";
}

TEST_F(BulkAndAutoRemoveTest, HoldHotbackupNeedsHotOrIncremental) {
  ProcessResult r =
      RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "cold", "--hold-hotbackup"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, ErrorLine("bad usage: --hold-hotbackup needs --mode hot or incremental"));
}

// --- DB_LOG_AUTO_REMOVE ---

bool AutoRemovalOn(const std::string& home) {
  DB_ENV* env = nullptr;
  EXPECT_EQ(db_env_create(&env, 0), 0);
  EXPECT_EQ(env->open(env, home.c_str(), DB_JOINENV, 0), 0);
  int on = 0;
  EXPECT_EQ(env->log_get_config(env, DB_LOG_AUTO_REMOVE, &on), 0);
  env->close(env, 0);
  return on != 0;
}

std::string ArchiveRefusal(const std::string& home) {
  return ErrorLine("cannot archive the logs of '" + home +
                   "': the environment removes its own log files (DB_LOG_AUTO_REMOVE is on), so a log could be gone "
                   "before it is archived; turn auto-removal off (remove it from DB_CONFIG or the application) or run "
                   "'bdbackup archive --take-over-log-removal'");
}

TEST_F(BulkAndAutoRemoveTest, ArchiveRefusesAutoRemovalFromDbConfigEvenToTakeItOver) {
  AppendConfig("# the application's setting");
  AppendConfig("set_flags DB_LOG_AUTOREMOVE");
  {
    std::unique_ptr<TestWriter> writer;
    ASSERT_TRUE(TestWriter::Open(home_, &writer).ok());
    ASSERT_TRUE(writer->Commit(200).ok());
  }
  ASSERT_TRUE(AutoRemovalOn(home_));
  ProcessResult r = RunBdbackup({"archive", "--home", home_, "--repo", repo_});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, ArchiveRefusal(home_));
  ProcessResult take = RunBdbackup({"archive", "--home", home_, "--repo", repo_, "--take-over-log-removal"});
  EXPECT_EQ(take.exit_code, 2);
  EXPECT_EQ(take.err, ErrorLine("cannot take over log removal: '" + home_ +
                                "/DB_CONFIG' line 4 turns DB_LOG_AUTO_REMOVE on, and every process that opens the "
                                "environment turns it on again; remove that line, then run archive again"));
}

TEST_F(BulkAndAutoRemoveTest, ArchiveTakesOverAutoRemovalSetByTheApplication) {
  std::unique_ptr<TestWriter> writer;
  ASSERT_TRUE(TestWriter::Open(home_, &writer).ok());
  ASSERT_EQ(writer->env()->log_set_config(writer->env(), DB_LOG_AUTO_REMOVE, 1), 0);
  ASSERT_TRUE(writer->Commit(200).ok());
  ProcessResult r = RunBdbackup({"archive", "--home", home_, "--repo", repo_});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, ArchiveRefusal(home_));
  ProcessResult take = RunBdbackup({"archive", "--home", home_, "--repo", repo_, "--take-over-log-removal"});
  ASSERT_EQ(take.exit_code, 0) << take.err;
  EXPECT_EQ(take.out.rfind("log auto-removal turned off: bdbackup archive now removes log files once they are "
                           "archived\n",
                           0),
            0u)
      << take.out;
  int on = 1;
  ASSERT_EQ(writer->env()->log_get_config(writer->env(), DB_LOG_AUTO_REMOVE, &on), 0);
  EXPECT_EQ(on, 0) << "the setting is the shared region's: the application sees it off too";
  ASSERT_TRUE(writer->Commit(400).ok());
  ProcessResult again = RunBdbackup({"archive", "--home", home_, "--repo", repo_, "--json"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
}

TEST_F(BulkAndAutoRemoveTest, HotBackupPausesAutoRemovalAndRestores) {
  AppendConfig("set_flags DB_LOG_AUTOREMOVE");
  std::unique_ptr<TestWriter> writer;
  ASSERT_TRUE(TestWriter::Open(home_, &writer).ok());
  ASSERT_TRUE(writer->Commit(300).ok());
  ASSERT_TRUE(writer->Checkpoint().ok());
  writer->StartBackground();
  ProcessResult hot = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot"});
  EXPECT_EQ(hot.exit_code, 0) << hot.err;
  ASSERT_TRUE(writer->StopBackground().ok());
  EXPECT_TRUE(AutoRemovalOn(home_)) << "auto-removal is back on after the backup";
  const size_t acked = writer->acked().size();
  writer.reset();
  const std::string target = tmp_.Sub("restored");
  ProcessResult r = RunBdbackup({"restore", "--repo", repo_, "--target", target});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, std::string> a;
  ASSERT_TRUE(ReadDatabase(target, kBtreeDb, &a).ok());
  EXPECT_GE(a.size(), 300u);
  EXPECT_LE(a.size(), acked);
}

TEST_F(BulkAndAutoRemoveTest, IncrementalExplainsALogGapLeftByAutoRemoval) {
  AppendConfig("set_flags DB_LOG_AUTOREMOVE");
  std::unique_ptr<TestWriter> writer;
  ASSERT_TRUE(TestWriter::Open(home_, &writer).ok());
  ASSERT_TRUE(writer->Commit(50).ok());
  ProcessResult hot = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "hot"});
  ASSERT_EQ(hot.exit_code, 0) << hot.err;
  for (int i = 0; i < 6; ++i) {  // several log switches and checkpoints: BDB removes the old logs
    ASSERT_TRUE(writer->Commit(400).ok());
    ASSERT_TRUE(writer->Checkpoint().ok());
  }
  writer.reset();
  ProcessResult inc = RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "incremental"});
  EXPECT_EQ(inc.exit_code, 1);
  const std::string why =
      "; the environment removes its own log files (DB_LOG_AUTO_REMOVE is on), so logs written since the last backup "
      "are gone: take a hot backup, and to keep incrementals possible turn auto-removal off (remove it from DB_CONFIG "
      "or the application) and let 'bdbackup archive' remove logs\n";
  EXPECT_EQ(inc.err.rfind("bdbackup: error: log chain has a gap: log file 'log.", 0), 0u) << inc.err;
  ASSERT_GE(inc.err.size(), why.size());
  EXPECT_EQ(inc.err.substr(inc.err.size() - why.size()), why) << inc.err;
  ProcessResult hot2 =
      RunBdbackup({"backup", "--home", home_, "--repo", repo_, "--mode", "incremental", "--hot-if-refused", "--json"});
  EXPECT_EQ(hot2.exit_code, 0) << hot2.err;
  EXPECT_NE(hot2.out.find("\"refused_incremental\": \"log chain has a gap: "), std::string::npos) << hot2.out;
  EXPECT_NE(hot2.out.find("\"mode\": \"hot\""), std::string::npos) << hot2.out;
}

}  // namespace
}  // namespace bdb
