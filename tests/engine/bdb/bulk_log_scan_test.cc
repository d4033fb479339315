// FindUnloggedBulkInserts on real logs: the trace of an unannounced
// DB_TXN_BULK transaction is found (and only after the given LSN, and not past
// --until), ordinary transactions of every shape never match (random and
// sorted keys, splits, one-record transactions, larger replacements, overflow
// items, deletes and reinserts, duplicates, record numbers, recno, hash
// pages), small bulk transactions that split once (a leaf or the root) are
// found, and so are inserts only the live page or a later logged insert
// shows, announced bulk transactions never match, and an unreadable log is
// an IOError. Also: an ordinary split of a page a one-sided split filled,
// a child transaction's pages (committed with its parent), and an aborted
// transaction's reused id never match; an unreadable database file is an
// error of the live check.
#include "engine/bdb/bulk_log_scan.h"

#include <db.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include "engine/bdb/bdb_environment.h"
#include "base/file_io.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

// An environment with a btree and a hash database, written by the test.
class Env {
 public:
  explicit Env(const std::string& home, uint32_t open_flags = 0) {
    EXPECT_EQ(db_env_create(&env_, 0), 0);
    EXPECT_EQ(env_->open(env_, home.c_str(),
                         DB_CREATE | DB_INIT_MPOOL | DB_INIT_LOG | DB_INIT_TXN | DB_INIT_LOCK | open_flags, 0),
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
  void Txn(const std::vector<std::string>& keys, size_t value_bytes, uint32_t flags = 0, bool del = false,
           bool abort = false) {
    DB_TXN* txn = nullptr;
    ASSERT_EQ(env_->txn_begin(env_, nullptr, &txn, flags), 0);
    for (const auto& k : keys) {
      DBT key = StringDbt(k);
      std::string v(value_bytes, 'v');
      DBT value = StringDbt(v);
      for (DB* db : {btree_, hash_}) {
        int ret = del ? db->del(db, txn, &key, 0) : db->put(db, txn, &key, &value, 0);
        ASSERT_TRUE(ret == 0 || (del && ret == DB_NOTFOUND)) << db_strerror(ret);
      }
    }
    ASSERT_EQ(abort ? txn->abort(txn) : txn->commit(txn, 0), 0);
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

// Databases of the shapes the btree tests above leave out, in the same
// environment: duplicates (on-page and off-page, sorted and not), a btree
// with record numbers, and recno (appended, and renumbered by inserts in the
// middle). Every operation is ordinary (logged).
class MoreShapes {
 public:
  explicit MoreShapes(DB_ENV* env) : env_(env) {
    Open(&dup_, DB_BTREE, DB_DUP, "dup.db");
    Open(&dupsort_, DB_BTREE, DB_DUPSORT, "dupsort.db");
    Open(&recnum_, DB_BTREE, DB_RECNUM, "recnum.db");
    Open(&recno_, DB_RECNO, 0, "recno.db");
    Open(&renumber_, DB_RECNO, DB_RENUMBER, "renumber.db");
  }
  ~MoreShapes() {
    for (DB* db : {dup_, dupsort_, recnum_, recno_, renumber_}) db->close(db, 0);
  }
  // One transaction: `n` duplicates of each of `keys` keys (values of
  // value_bytes, some big enough to split or go to overflow pages).
  void Duplicates(int keys, int n, size_t value_bytes, std::mt19937* rng) {
    Txn([&](DB_TXN* txn) {
      for (int k = 0; k < keys; ++k) {
        for (int i = 0; i < n; ++i) {
          std::string key = "dupkey" + std::to_string((*rng)() % 50);
          std::string value = std::to_string((*rng)()) + std::string(value_bytes, 'd');
          DBT kd = StringDbt(key), vd = StringDbt(value);
          for (DB* db : {dup_, dupsort_}) {
            int ret = db->put(db, txn, &kd, &vd, 0);
            ASSERT_TRUE(ret == 0 || ret == DB_KEYEXIST) << db_strerror(ret);
          }
        }
      }
    });
  }
  void RecordNumbers(int n, size_t value_bytes, std::mt19937* rng) {
    Txn([&](DB_TXN* txn) {
      for (int i = 0; i < n; ++i) {
        char key[32];
        std::snprintf(key, sizeof(key), "r%08u", static_cast<unsigned>((*rng)() % 100000000));
        std::string k = key, v(value_bytes, 'r');
        DBT kd = StringDbt(k), vd = StringDbt(v);
        ASSERT_EQ(recnum_->put(recnum_, txn, &kd, &vd, 0), 0);
      }
    });
  }
  // Appends n records to both recno databases, or (middle) inserts n records
  // before random existing ones of the renumbering one and overwrites random
  // records of the other with larger values.
  void Recno(int n, size_t value_bytes, bool middle, std::mt19937* rng) {
    Txn([&](DB_TXN* txn) {
      for (int i = 0; i < n; ++i) {
        std::string v(value_bytes + (*rng)() % 100, 'n');
        DBT vd = StringDbt(v);
        db_recno_t recno = 0;
        DBT kd;
        std::memset(&kd, 0, sizeof(kd));
        kd.data = &recno;
        kd.size = kd.ulen = sizeof(recno);
        kd.flags = DB_DBT_USERMEM;
        if (!middle) {
          for (DB* db : {recno_, renumber_}) ASSERT_EQ(db->put(db, txn, &kd, &vd, DB_APPEND), 0);
          continue;
        }
        recno = 1 + (*rng)() % 50;
        ASSERT_EQ(recno_->put(recno_, txn, &kd, &vd, 0), 0);
        DBC* c = nullptr;
        ASSERT_EQ(renumber_->cursor(renumber_, txn, &c, 0), 0);
        DBT got;
        std::memset(&got, 0, sizeof(got));
        int ret = c->get(c, &kd, &got, DB_SET);
        if (ret == 0) ret = c->put(c, &kd, &vd, DB_BEFORE);
        ASSERT_TRUE(ret == 0 || ret == DB_NOTFOUND) << db_strerror(ret);
        ASSERT_EQ(c->close(c), 0);
      }
    });
  }

 private:
  void Open(DB** db, DBTYPE type, uint32_t flags, const char* name) {
    ASSERT_EQ(db_create(db, env_, 0), 0);
    if (flags != 0) {
      ASSERT_EQ((*db)->set_flags(*db, flags), 0);
    }
    ASSERT_EQ((*db)->open(*db, nullptr, name, nullptr, type, DB_CREATE | DB_AUTO_COMMIT, 0644), 0);
  }
  template <typename F>
  void Txn(F body) {
    DB_TXN* txn = nullptr;
    ASSERT_EQ(env_->txn_begin(env_, nullptr, &txn, 0), 0);
    body(txn);
    ASSERT_EQ(txn->commit(txn, 0), 0);
  }
  DB_ENV* env_;
  DB* dup_ = nullptr;
  DB* dupsort_ = nullptr;
  DB* recnum_ = nullptr;
  DB* recno_ = nullptr;
  DB* renumber_ = nullptr;
};

// n keys spread over the whole key space of Keys(..., rng): random keys land on every leaf.
std::vector<std::string> SpreadKeys(int n) {
  std::vector<std::string> keys;
  for (int i = 0; i < n; ++i) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "k%08d", i * (100000000 / n));
    keys.push_back(buf);
  }
  return keys;
}

std::string Scan(const std::string& home, ManifestLsn after = {}, int64_t until = -1,
                 std::vector<SplitPage>* new_pages = nullptr) {
  std::string found;
  Status s = FindUnloggedBulkInserts(home, after, &found, until, new_pages);
  EXPECT_TRUE(s.ok()) << s.message();
  return found;
}

// FindPagesFilledAfterTheirSplit over every database file in home.
std::string LivePages(const std::string& home, const std::vector<SplitPage>& new_pages) {
  std::vector<std::string> paths;
  for (const char* name :
       {"b.db", "h.db", "dup.db", "dupsort.db", "recnum.db", "recno.db", "renumber.db", "fresh.db"}) {
    if (std::filesystem::exists(home + "/" + name)) paths.push_back(home + "/" + name);
  }
  std::string found;
  Status s = FindPagesFilledAfterTheirSplit(DefaultFileIO(), paths, new_pages, &found);
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
    // Transactions of one record each, many of which split a leaf (the
    // insert after the split is on one of its halves), sorted and random.
    for (int t = 0; t < 300; ++t) ASSERT_NO_FATAL_FAILURE(env.Txn(Keys(10000 + t, 1), 200));
    for (int t = 0; t < 300; ++t) ASSERT_NO_FATAL_FAILURE(env.Txn(Keys(0, 1, &rng), 200));
    // Small transactions of random keys with values of every size (some go to
    // overflow pages: the split is followed by their pages, then the insert).
    for (int t = 0; t < 60; ++t) {
      for (size_t bytes : {10, 300, 900, 1500, 5000})
        ASSERT_NO_FATAL_FAILURE(env.Txn(Keys(0, 1 + static_cast<int>(rng() % 5), &rng), bytes));
    }
    // Aborted ones: their undo restores both the entries and the LSN of every page they touched.
    for (int t = 0; t < 20; ++t) ASSERT_NO_FATAL_FAILURE(env.Txn(Keys(0, 30, &rng), 200, 0, false, /*abort=*/true));
    for (int t = 0; t < 5; ++t) ASSERT_NO_FATAL_FAILURE(env.Txn(Keys(20000 + t * 50, 50), 200, 0, false, true));
    // Larger values replacing existing ones (the replacement splits).
    for (int t = 0; t < 10; ++t) ASSERT_NO_FATAL_FAILURE(env.Txn(Keys(10000 + t * 30, 30), 400 + t * 50));
    for (int t = 0; t < 5; ++t) ASSERT_NO_FATAL_FAILURE(env.Txn(Keys(10000 + t * 60, 60), 2000));
    // Deletes then reinserts (into the freed pages, then past them).
    ASSERT_NO_FATAL_FAILURE(env.Txn(Keys(10000, 300), 0, 0, /*del=*/true));
    for (int t = 0; t < 10; ++t) ASSERT_NO_FATAL_FAILURE(env.Txn(Keys(10000 + t * 60, 60), 250));
    MoreShapes more(env.env());
    for (int t = 0; t < 20; ++t) ASSERT_NO_FATAL_FAILURE(more.Duplicates(5, 20, t % 2 ? 40 : 400, &rng));
    for (int t = 0; t < 20; ++t) ASSERT_NO_FATAL_FAILURE(more.RecordNumbers(40, 100, &rng));
    for (int t = 0; t < 20; ++t) ASSERT_NO_FATAL_FAILURE(more.Recno(40, 100, /*middle=*/false, &rng));
    for (int t = 0; t < 20; ++t) ASSERT_NO_FATAL_FAILURE(more.Recno(20, 300, /*middle=*/true, &rng));
  }
  std::vector<SplitPage> new_pages;
  EXPECT_EQ(Scan(tmp.path(), {}, -1, &new_pages), "");
  // Every page still stamped with the split that made it holds what the split left there.
  EXPECT_GT(new_pages.size(), 100u);
  EXPECT_EQ(LivePages(tmp.path(), new_pages), "");
}

// One ordinary transaction in a new database: sorted puts past a root
// split (a one-sided split: the new left page gets all but one pair, and no
// insert is logged on it), then, in the same transaction, a larger value
// overwriting an early record, which splits that left page before any change
// on it is logged. The split's image holds exactly the entries the log put
// on the page: nothing unlogged.
void SortedPutsThenALargerOverwrite(DB_ENV* env, DBTYPE type, const char* name, int n, size_t larger) {
  DB* db = nullptr;
  ASSERT_EQ(db_create(&db, env, 0), 0);
  ASSERT_EQ(db->open(db, nullptr, name, nullptr, type, DB_CREATE | DB_AUTO_COMMIT, 0644), 0);
  DB_TXN* txn = nullptr;
  ASSERT_EQ(env->txn_begin(env, nullptr, &txn, 0), 0);
  auto put = [&](int i, size_t bytes) {
    std::string k = Keys(i, 1)[0], v(bytes, 'v');
    db_recno_t recno = static_cast<db_recno_t>(i + 1);
    DBT key = type == DB_RECNO ? DBT{} : StringDbt(k);
    if (type == DB_RECNO) {
      key.data = &recno;
      key.size = sizeof(recno);
    }
    DBT value = StringDbt(v);
    int ret = db->put(db, txn, &key, &value, 0);
    ASSERT_EQ(ret, 0) << db_strerror(ret);
  };
  for (int i = 0; i < n; ++i) ASSERT_NO_FATAL_FAILURE(put(i, 100));
  ASSERT_NO_FATAL_FAILURE(put(4, larger));
  ASSERT_EQ(txn->commit(txn, 0), 0);
  ASSERT_EQ(db->close(db, 0), 0);
}

TEST(BulkLogScanTest, AnOrdinarySplitOfAFreshOneSidedSplitPageNeverMatches) {
  for (DBTYPE type : {DB_BTREE, DB_RECNO}) {
    for (int n : {60, 100, 150}) {
      for (size_t larger : {300, 600}) {
        SCOPED_TRACE(std::string(type == DB_BTREE ? "btree " : "recno ") + std::to_string(n) + " records, " +
                     std::to_string(larger) + " bytes");
        TempDir tmp;
        {
          Env env(tmp.path());
          ASSERT_NO_FATAL_FAILURE(SortedPutsThenALargerOverwrite(env.env(), type, "fresh.db", n, larger));
        }
        std::vector<SplitPage> new_pages;
        EXPECT_EQ(Scan(tmp.path(), {}, -1, &new_pages), "");
        EXPECT_EQ(LivePages(tmp.path(), new_pages), "");
      }
    }
  }
}

// The second trace: a bulk transaction too small to split the page it added
// to the file a second time. Its split is logged, the insert that caused it
// (on the new page) is not, nor is anything it inserted there afterwards.
std::string SplitTrace(const std::string& found) {
  return found.find(" onto a page it added to the file without logging the insert that made the split") !=
                 std::string::npos
             ? "split trace"
             : found;
}

TEST(BulkLogScanTest, ASmallSortedBulkTransactionThatSplitsOnceIsFound) {
  TempDir tmp;
  {
    Env env(tmp.path());
    ASSERT_NO_FATAL_FAILURE(env.Txn(Keys(0, 2000), 100));
    ASSERT_NO_FATAL_FAILURE(env.Txn(Keys(2000, 30), 100, DB_TXN_BULK));
  }
  EXPECT_EQ(SplitTrace(Scan(tmp.path())), "split trace");
}

// A root split (__bam_root): the root leaf's entries move to two pages the
// transaction adds to the file, and the insert that caused it is on neither.
TEST(BulkLogScanTest, ABulkTransactionThatSplitsTheRootLeafIsFound) {
  TempDir tmp;
  {
    Env env(tmp.path());
    ASSERT_NO_FATAL_FAILURE(env.Txn(Keys(0, 1), 100));
    ASSERT_NO_FATAL_FAILURE(env.Txn(Keys(1, 40), 100, DB_TXN_BULK));
  }
  EXPECT_EQ(SplitTrace(Scan(tmp.path())), "split trace");
}

TEST(BulkLogScanTest, SmallRandomKeyBulkTransactionsAreFound) {
  // Leaves of a spread base are full enough that a few random inserts split
  // some: the transaction adds the new halves to the file. (A transaction
  // that splits nothing extends no file, and BDB logs every insert.)
  for (auto [base, n] : {std::pair{2000, 20}, std::pair{2000, 60}, std::pair{6000, 30}}) {
    for (unsigned seed : {1u, 2u, 3u}) {
      SCOPED_TRACE(std::to_string(base) + " records, " + std::to_string(n) + " inserts, seed " + std::to_string(seed));
      TempDir tmp;
      {
        Env env(tmp.path());
        ASSERT_NO_FATAL_FAILURE(env.Txn(SpreadKeys(base), 100));
        std::mt19937 rng(seed);
        ASSERT_NO_FATAL_FAILURE(env.Txn(Keys(0, n, &rng), 100, DB_TXN_BULK));
      }
      EXPECT_EQ(SplitTrace(Scan(tmp.path())), "split trace");
    }
  }
}

// What the log cannot show: the insert that made the split went to the old
// half (logged), a later one to the new half (unlogged, no second split).
// The new page, still stamped with the split, holds one pair more than the
// split left there.
TEST(BulkLogScanTest, AnInsertOntoTheNewHalfAfterALoggedSplitIsFoundOnlyOnTheLivePage) {
  TempDir tmp;
  ManifestLsn base_end;
  {
    Env env(tmp.path());
    ASSERT_NO_FATAL_FAILURE(env.Txn(SpreadKeys(2000), 100));  // keys 50,000 apart, 32 a leaf, room for one more
    DB_LOG_STAT* stat = nullptr;
    ASSERT_EQ(env.env()->log_stat(env.env(), &stat, 0), 0);
    base_end = ManifestLsn{stat->st_cur_file, stat->st_cur_offset};
    ::free(stat);
    // The first fits the first leaf, the second splits it (and lands left, at
    // its start), the third lands right, near the leaf's end.
    ASSERT_NO_FATAL_FAILURE(env.Txn({"k00000001", "k00000002", "k01500001"}, 100, DB_TXN_BULK));
  }
  std::vector<SplitPage> new_pages;
  EXPECT_EQ(Scan(tmp.path(), base_end, -1, &new_pages), "") << "nothing in the log shows it";
  ASSERT_EQ(new_pages.size(), 1u);
  const std::string found = LivePages(tmp.path(), new_pages);
  EXPECT_NE(found.find(" made page " + std::to_string(new_pages[0].pgno) + " of '" + tmp.path() +
                       "/b.db' by a split; the log put " + std::to_string(new_pages[0].entries) +
                       " entries there, and the page, still stamped ["),
            std::string::npos)
      << found;
  EXPECT_NE(found.find("] as the log left it, holds " + std::to_string(new_pages[0].entries + 2) +
                       ": inserts no log record made"),
            std::string::npos)
      << found;
}

// The same, then an ordinary transaction inserts onto the new page, which
// restamps it. The scan follows the page's entries through the logged
// insert: one at an index past them is proof in the log itself; one within
// them leaves the live page holding two entries more than the log put there.
TEST(BulkLogScanTest, ALaterLoggedInsertOnTheFilledPageDoesNotHideIt) {
  for (const char* later : {"k01550001", "k01200001"}) {
    SCOPED_TRACE(later);
    TempDir tmp;
    ManifestLsn base_end;
    {
      Env env(tmp.path());
      ASSERT_NO_FATAL_FAILURE(env.Txn(SpreadKeys(2000), 100));
      DB_LOG_STAT* stat = nullptr;
      ASSERT_EQ(env.env()->log_stat(env.env(), &stat, 0), 0);
      base_end = ManifestLsn{stat->st_cur_file, stat->st_cur_offset};
      ::free(stat);
      ASSERT_NO_FATAL_FAILURE(env.Txn({"k00000001", "k00000002", "k01500001"}, 100, DB_TXN_BULK));
      ASSERT_NO_FATAL_FAILURE(env.Txn({later}, 100));
    }
    std::vector<SplitPage> new_pages;
    const std::string in_log = Scan(tmp.path(), base_end, -1, &new_pages);
    if (std::string(later) == "k01550001") {  // after every key of the page: index 34, the log put 32 there
      EXPECT_NE(in_log.find(" by a split, and the insert at ["), std::string::npos) << in_log;
      EXPECT_NE(in_log.find("] went to an index past the 32 entries the log put there: inserts no log record made"),
                std::string::npos)
          << in_log;
      continue;
    }
    EXPECT_EQ(in_log, "");
    ASSERT_EQ(new_pages.size(), 1u);
    EXPECT_EQ(new_pages[0].entries, 34u) << "32 from the split, 2 from the logged insert";
    const std::string found = LivePages(tmp.path(), new_pages);
    EXPECT_NE(found.find("] as the log left it, holds 36: inserts no log record made"), std::string::npos) << found;
  }
}

// The same, then an ordinary transaction inserts enough within the page's
// entries to split it: the split's record holds the page's image, still
// stamped as the log left it, with the two entries the log never put there.
TEST(BulkLogScanTest, ALaterOrdinarySplitOfTheFilledPageShowsItInTheLog) {
  TempDir tmp;
  ManifestLsn base_end;
  {
    Env env(tmp.path());
    ASSERT_NO_FATAL_FAILURE(env.Txn(SpreadKeys(2000), 100));
    DB_LOG_STAT* stat = nullptr;
    ASSERT_EQ(env.env()->log_stat(env.env(), &stat, 0), 0);
    base_end = ManifestLsn{stat->st_cur_file, stat->st_cur_offset};
    ::free(stat);
    ASSERT_NO_FATAL_FAILURE(env.Txn({"k00000001", "k00000002", "k01500001"}, 100, DB_TXN_BULK));
    std::vector<std::string> within;
    for (int i = 2; i < 40; ++i) within.push_back("k012000" + std::string(i < 10 ? "0" : "") + std::to_string(i));
    ASSERT_NO_FATAL_FAILURE(env.Txn(within, 100));
  }
  const std::string in_log = Scan(tmp.path(), base_end);
  EXPECT_NE(in_log.find(" by a split, and a split at ["), std::string::npos) << in_log;
  EXPECT_NE(in_log.find(" entries on it, still stamped as the log left it holding "), std::string::npos) << in_log;
  unsigned found_entries = 0, held = 0;
  const size_t at = in_log.find("] found ");
  ASSERT_NE(at, std::string::npos) << in_log;
  ASSERT_EQ(std::sscanf(in_log.c_str() + at, "] found %u entries on it, still stamped as the log left it holding %u",
                        &found_entries, &held),
            2)
      << in_log;
  EXPECT_EQ(found_entries, held + 2) << "the pair the bulk transaction did not log";
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

// A child transaction's records carry its own id, and its commit is a
// __txn_child record of its parent's: its trace becomes the parent's. BDB
// 5.3 logs every insert of a child, even one begun with DB_TXN_BULK under a
// bulk parent: its split pages are committed with the parent (and checked
// on the live files), and never match.
TEST(BulkLogScanTest, AChildTransactionsSplitPagesAreCommittedWithItsParentAndNeverMatch) {
  TempDir tmp;
  ManifestLsn base_end;
  {
    Env env(tmp.path());
    ASSERT_NO_FATAL_FAILURE(env.Txn(Keys(0, 2000), 100));
    DB_LOG_STAT* stat = nullptr;
    ASSERT_EQ(env.env()->log_stat(env.env(), &stat, 0), 0);
    base_end = ManifestLsn{stat->st_cur_file, stat->st_cur_offset};
    ::free(stat);
    DB* db = nullptr;
    ASSERT_EQ(db_create(&db, env.env(), 0), 0);
    ASSERT_EQ(db->open(db, nullptr, "b.db", nullptr, DB_BTREE, DB_AUTO_COMMIT, 0), 0);
    for (uint32_t flags : {0u, static_cast<uint32_t>(DB_TXN_BULK)}) {
      DB_TXN* parent = nullptr;
      DB_TXN* child = nullptr;
      ASSERT_EQ(env.env()->txn_begin(env.env(), nullptr, &parent, flags), 0);
      ASSERT_EQ(env.env()->txn_begin(env.env(), parent, &child, flags), 0);
      for (const std::string& k : Keys(flags == 0 ? 2000 : 2100, 30)) {
        std::string v(100, 'v');
        DBT key = StringDbt(k), value = StringDbt(v);
        ASSERT_EQ(db->put(db, child, &key, &value, 0), 0);
      }
      ASSERT_EQ(child->commit(child, 0), 0);
      ASSERT_EQ(parent->commit(parent, 0), 0);
    }
    ASSERT_EQ(db->close(db, 0), 0);
  }
  std::vector<SplitPage> new_pages;
  EXPECT_EQ(Scan(tmp.path(), base_end, -1, &new_pages), "");
  EXPECT_GE(new_pages.size(), 2u) << "each child split a leaf onto a page it added to the file";
  EXPECT_EQ(LivePages(tmp.path(), new_pages), "");
}

// BDB 5.3 writes no record when it aborts an unprepared transaction, and
// gives its id to later ones (after a recovery, ids start over): the trace of
// an aborted transaction must not be held against an ordinary one.
TEST(BulkLogScanTest, AnAbortedTransactionsTraceDoesNotFollowItsReusedId) {
  TempDir tmp;
  {
    Env env(tmp.path());
    ASSERT_NO_FATAL_FAILURE(env.Txn(Keys(0, 400), 150, DB_TXN_BULK, false, /*abort=*/true));
  }
  {
    Env env(tmp.path(), DB_RECOVER);
    for (int t = 0; t < 6; ++t) ASSERT_NO_FATAL_FAILURE(env.Txn(Keys(t * 10, 10), 100));
  }
  EXPECT_EQ(Scan(tmp.path()), "");
}

// A database file the live check cannot read is an error, not a file to skip.
TEST(BulkLogScanTest, AnUnreadableDatabaseFileIsAnIOErrorInTheLiveCheck) {
  TempDir tmp;
  const std::string path = tmp.Sub("b.db");
  if (::geteuid() == 0) {
    std::filesystem::create_directory(path);  // root reads through chmod 000; a directory fails to read
  } else {
    std::ofstream(path) << std::string(8192, 'x');
    std::filesystem::permissions(path, std::filesystem::perms::none);
  }
  SplitPage page;
  page.pgno = 1;
  page.txnid = 0x80000001;
  std::string found;
  Status s = FindPagesFilledAfterTheirSplit(DefaultFileIO(), {path}, {page}, &found);
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(s.IsNotFound()) << s.message();
  EXPECT_EQ(found, "");
  // A file removed since it was listed, or too short to be a database, is skipped.
  std::ofstream(tmp.Sub("short.db")) << "x";
  EXPECT_TRUE(
      FindPagesFilledAfterTheirSplit(DefaultFileIO(), {tmp.Sub("gone.db"), tmp.Sub("short.db")}, {page}, &found).ok());
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
