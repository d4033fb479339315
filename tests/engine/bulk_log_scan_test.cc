// FindUnloggedBulkInserts on real logs: the trace of an unannounced
// DB_TXN_BULK transaction is found (and only after the given LSN, and not past
// --until), ordinary transactions of every shape never match (random and
// sorted keys, splits, overflow items, deletes, hash pages), announced bulk
// transactions never match, and an unreadable log is an IOError.
#include "engine/bulk_log_scan.h"

#include <db.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "engine/bdb_environment.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

DBT Dbt(const std::string& s) {
  DBT d;
  std::memset(&d, 0, sizeof(d));
  d.data = const_cast<char*>(s.data());
  d.size = static_cast<uint32_t>(s.size());
  return d;
}

// An environment with a btree and a hash database, written by the test.
class Env {
 public:
  explicit Env(const std::string& home) {
    EXPECT_EQ(db_env_create(&env_, 0), 0);
    EXPECT_EQ(env_->open(env_, home.c_str(), DB_CREATE | DB_INIT_MPOOL | DB_INIT_LOG | DB_INIT_TXN | DB_INIT_LOCK, 0),
              0);
    for (auto [db, type, name] : {std::tuple{&btree_, DB_BTREE, "b.db"}, std::tuple{&hash_, DB_HASH, "h.db"}}) {
      EXPECT_EQ(db_create(db, env_, 0), 0);
      EXPECT_EQ((*db)->open(*db, nullptr, name, nullptr, type, DB_CREATE | DB_AUTO_COMMIT, 0644), 0);
    }
  }
  ~Env() {
    btree_->close(btree_, 0);
    hash_->close(hash_, 0);
    env_->close(env_, 0);
  }
  // One transaction putting keys (value_bytes each) into both databases, or deleting them.
  void Txn(const std::vector<std::string>& keys, size_t value_bytes, uint32_t flags = 0, bool del = false) {
    DB_TXN* txn = nullptr;
    ASSERT_EQ(env_->txn_begin(env_, nullptr, &txn, flags), 0);
    for (const auto& k : keys) {
      DBT key = Dbt(k);
      std::string v(value_bytes, 'v');
      DBT value = Dbt(v);
      for (DB* db : {btree_, hash_}) {
        int ret = del ? db->del(db, txn, &key, 0) : db->put(db, txn, &key, &value, 0);
        ASSERT_TRUE(ret == 0 || (del && ret == DB_NOTFOUND)) << db_strerror(ret);
      }
    }
    ASSERT_EQ(txn->commit(txn, 0), 0);
  }
  DB_ENV* env() { return env_; }

 private:
  DB_ENV* env_ = nullptr;
  DB* btree_ = nullptr;
  DB* hash_ = nullptr;
};

std::vector<std::string> Keys(int first, int n, std::mt19937* rng = nullptr) {
  std::vector<std::string> keys;
  for (int i = first; i < first + n; ++i) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "k%08d", rng ? static_cast<int>((*rng)() % 100000000) : i);
    keys.push_back(buf);
  }
  return keys;
}

std::string Scan(const std::string& home, ManifestLsn after = {}, int64_t until = -1) {
  std::string found;
  Status s = FindUnloggedBulkInserts(home, after, &found, until);
  EXPECT_TRUE(s.ok()) << s.message();
  return found;
}

TEST(BulkLogScanTest, OrdinaryTransactionsOfEveryShapeNeverMatch) {
  TempDir tmp;
  {
    Env env(tmp.path());
    std::mt19937 rng(7);
    for (int t = 0; t < 40; ++t) ASSERT_NO_FATAL_FAILURE(env.Txn(Keys(t * 200, 200, &rng), 60));  // random keys
    for (int t = 0; t < 20; ++t) ASSERT_NO_FATAL_FAILURE(env.Txn(Keys(t * 300, 300), 150));        // sorted appends
    ASSERT_NO_FATAL_FAILURE(env.Txn(Keys(0, 1), 3000));                                           // one big item
    ASSERT_NO_FATAL_FAILURE(env.Txn(Keys(0, 50), 20000));                                         // overflow pages
    ASSERT_NO_FATAL_FAILURE(env.Txn(Keys(0, 3000), 0, 0, /*del=*/true));                          // deletes
    // Bulk transactions whose pages all come from the free list (the deletes
    // freed them) extend no file: BDB sets no watermark and logs every insert.
    for (int t = 0; t < 3; ++t) ASSERT_NO_FATAL_FAILURE(env.Txn(Keys(t * 100, 100), 60, DB_TXN_BULK));
  }
  EXPECT_EQ(Scan(tmp.path()), "");
}

TEST(BulkLogScanTest, AnnouncedBulkTransactionsLogEverythingAndNeverMatch) {
  TempDir tmp;
  {
    Env env(tmp.path());
    ASSERT_EQ(env.env()->set_flags(env.env(), DB_HOTBACKUP_IN_PROGRESS, 1), 0);
    for (int t = 0; t < 5; ++t) ASSERT_NO_FATAL_FAILURE(env.Txn(Keys(t * 400, 400), 150, DB_TXN_BULK));
    ASSERT_EQ(env.env()->set_flags(env.env(), DB_HOTBACKUP_IN_PROGRESS, 0), 0);
  }
  EXPECT_EQ(Scan(tmp.path()), "");
}

TEST(BulkLogScanTest, OnlyCommitsAfterTheGivenLsnAndNotAfterUntilCount) {
  TempDir tmp;
  DB_LSN end;
  {
    Env env(tmp.path());
    ASSERT_NO_FATAL_FAILURE(env.Txn(Keys(0, 400), 150, DB_TXN_BULK));
    DB_LOG_STAT* stat = nullptr;
    ASSERT_EQ(env.env()->log_stat(env.env(), &stat, 0), 0);
    end = DB_LSN{stat->st_cur_file, stat->st_cur_offset};
    ::free(stat);
  }
  const std::string found = Scan(tmp.path());
  EXPECT_NE(found.find(" without logging it"), std::string::npos) << found;
  EXPECT_NE(found.find(" of file id "), std::string::npos) << found;
  EXPECT_EQ(Scan(tmp.path(), ManifestLsn{end.file, end.offset}), "") << "committed before the parent ended";
  EXPECT_EQ(Scan(tmp.path(), {}, 1000), "") << "committed after --until";
}

TEST(BulkLogScanTest, AnEmptyDirectoryHasNothingAndAGarbageLogIsAnIOError) {
  TempDir tmp;
  EXPECT_EQ(Scan(tmp.path()), "");
  EXPECT_TRUE(std::filesystem::is_empty(tmp.path())) << "the scan writes nothing where it reads";
  std::ofstream(tmp.Sub("log.0000000001")) << std::string(4096, 'x');
  std::string found;
  Status s = FindUnloggedBulkInserts(tmp.path(), {}, &found);
  EXPECT_TRUE(s.IsIOError());
  EXPECT_EQ(s.message().rfind("unable to read the logs in '" + tmp.path() + "': ", 0), 0u) << s.message();
}

}  // namespace
}  // namespace bdb
