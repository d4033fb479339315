// The listing shim preloaded into real programs: GNU find sees the home in
// the seeded order (logs first when asked), cat's open and close of a
// database file are logged with their times, so are GNU tar's (it opens
// what it archives through the fortified __openat_2), directories outside the
// home keep their order; and the log parser's rules.
#include "simulator/harness/listing_shim_log.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "base/file_io.h"
#include "simulator/harness/child_process.h"
#include "tests/support/test_env.h"

namespace bdb::sim {
namespace {

class ListingShimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = dir_.Sub("home");
    ASSERT_TRUE(DefaultFileIO()->MakeDir(home_, 0700).ok());
    ASSERT_TRUE(DefaultFileIO()->MakeDir(home_ + "/log", 0700).ok());
    for (const char* name : {"DB_CONFIG", "__db.001", "a.db", "b.db", "c.db", "d.db", "log.0000000002"})
      std::ofstream(home_ + "/" + name) << name;
    std::ofstream(home_ + "/log/log.0000000001") << "log";
  }
  std::vector<std::string> Env(const std::string& order) const {
    return {std::string("LD_PRELOAD=") + BDBSIM_LISTING_SHIM, "BDBSIM_SHIM_HOME=" + home_,
            "BDBSIM_SHIM_ORDER=" + order, "BDBSIM_SHIM_LOG=" + dir_.Sub("shim.log")};
  }
  std::vector<std::string> FindLines(const std::string& order) {
    ChildResult r;
    EXPECT_TRUE(RunChild({"find", home_, "-mindepth", "1", "-maxdepth", "1"}, 30000, &r, Env(order)).ok());
    EXPECT_TRUE(r.Succeeded()) << r.err;
    std::vector<std::string> lines;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) lines.push_back(line.substr(home_.size() + 1));
    return lines;
  }
  TempDir dir_;
  std::string home_;
};

TEST_F(ListingShimTest, FindListsLogsFirstWhenTheTrialDrewIt) {
  for (int seed = 1; seed <= 5; ++seed) {
    const std::vector<std::string> lines = FindLines("logs_first:" + std::to_string(seed));
    ASSERT_EQ(lines.size(), 8u);
    EXPECT_TRUE((lines[0] == "log" && lines[1] == "log.0000000002") ||
                (lines[0] == "log.0000000002" && lines[1] == "log"))
        << lines[0] << ", " << lines[1];
  }
  ShimObservations seen;
  ASSERT_TRUE(ParseShimLog(ReadFileContents(dir_.Sub("shim.log")), &seen).ok());
  EXPECT_EQ(seen.listings, 5u);
}

TEST_F(ListingShimTest, AShuffleIsSeededAndDiffersBetweenSeeds) {
  EXPECT_EQ(FindLines("shuffle:11"), FindLines("shuffle:11"));
  std::set<std::vector<std::string>> orders;
  for (int seed = 0; seed < 8; ++seed) orders.insert(FindLines("shuffle:" + std::to_string(seed)));
  EXPECT_GT(orders.size(), 3u);
}

TEST_F(ListingShimTest, CatOfADatabaseFileIsAnOpenAndACloseInTime) {
  ChildResult r;
  const int64_t before = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  ASSERT_TRUE(RunChild({"cat", home_ + "/a.db", home_ + "/DB_CONFIG", home_ + "/log/log.0000000001"}, 30000, &r,
                       Env("shuffle:1"))
                  .ok());
  ASSERT_TRUE(r.Succeeded()) << r.err;
  EXPECT_EQ(r.out, "a.dbDB_CONFIGlog");
  ShimObservations seen;
  ASSERT_TRUE(ParseShimLog(ReadFileContents(dir_.Sub("shim.log")), &seen).ok());
  EXPECT_EQ(seen.opens, 1u) << "only a.db is a database file";
  EXPECT_GE(seen.first_open_ms, before);
  EXPECT_GE(seen.last_close_ms, seen.first_open_ms);
  EXPECT_FALSE(seen.unclosed);
}

TEST_F(ListingShimTest, TarOfTheHomeOpensEveryDatabaseFile) {
  ChildResult r;
  ASSERT_TRUE(RunChild({"tar", "-C", home_, "-cf", dir_.Sub("home.tar"), "."}, 30000, &r, Env("shuffle:1")).ok());
  ASSERT_TRUE(r.Succeeded()) << r.err;
  ShimObservations seen;
  ASSERT_TRUE(ParseShimLog(ReadFileContents(dir_.Sub("shim.log")), &seen).ok());
  EXPECT_EQ(seen.listings, 2u) << "the home and its log directory";
  EXPECT_EQ(seen.opens, 4u) << "a.db, b.db, c.db and d.db";
  EXPECT_FALSE(seen.unclosed);
}

TEST_F(ListingShimTest, WithoutItsSettingsTheShimChangesNothing) {
  ChildResult r;
  ASSERT_TRUE(RunChild({"cat", home_ + "/a.db"}, 30000, &r, {std::string("LD_PRELOAD=") + BDBSIM_LISTING_SHIM}).ok());
  EXPECT_TRUE(r.Succeeded());
  EXPECT_EQ(r.out, "a.db");
  FileInfo log;
  ASSERT_TRUE(DefaultFileIO()->Stat(dir_.Sub("shim.log"), &log).ok());
  EXPECT_FALSE(log.exists);
}

TEST(ParseShimLogTest, CountsAndWindow) {
  ShimObservations seen;
  ASSERT_TRUE(ParseShimLog("list 7 /h\nopen 100 /h/a.db\nopen 120 /h/b.db\nclose 130 /h/a.db\n", &seen).ok());
  EXPECT_EQ(seen.listings, 1u);
  EXPECT_EQ(seen.opens, 2u);
  EXPECT_EQ(seen.first_open_ms, 100);
  EXPECT_EQ(seen.last_close_ms, 130);
  EXPECT_TRUE(seen.unclosed) << "b.db was never closed";
  EXPECT_EQ(ParseShimLog("list 7 /h\nread 3 /h/a.db\n", &seen).message(),
            "listing shim log line 2 is malformed: 'read 3 /h/a.db'");
  EXPECT_EQ(ParseShimLog("open x /h/a.db\n", &seen).message(), "listing shim log line 1 is malformed: 'open x /h/a.db'");
}

}  // namespace
}  // namespace bdb::sim
