// ListingOrderFileIO and OrderListing: a listing's order is a pure function of
// the seed and the directory, never of the file system; "logs first" puts log
// files and the log directory before everything else.
#include "simulator/faults/listing_order_file_io.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "tests/support/test_env.h"

namespace bdb::sim {
namespace {

const std::vector<std::string> kHome = {"DB_CONFIG", "__db.001", "a.db", "b.db", "log", "log.0000000001", "q.db"};

TEST(OrderListingTest, TheSameSeedAndDirectoryGiveTheSameOrderWhateverTheInputOrder) {
  std::vector<std::string> forward = kHome, backward(kHome.rbegin(), kHome.rend());
  OrderListing("/h", false, 42, &forward);
  OrderListing("/h", false, 42, &backward);
  EXPECT_EQ(forward, backward);
  std::vector<std::string> sorted = forward;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, kHome) << "a reordering, nothing lost or added";
}

TEST(OrderListingTest, SeedsDrawDifferentOrders) {
  std::set<std::vector<std::string>> orders;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    std::vector<std::string> names = kHome;
    OrderListing("/h", false, seed, &names);
    orders.insert(names);
  }
  EXPECT_GT(orders.size(), 20u);
}

TEST(OrderListingTest, LogsFirstPutsLogsBeforeDatabasesForEverySeed) {
  for (uint64_t seed = 0; seed < 50; ++seed) {
    std::vector<std::string> names = kHome;
    OrderListing("/h", true, seed, &names);
    ASSERT_EQ(names.size(), kHome.size());
    EXPECT_TRUE((names[0] == "log" && names[1] == "log.0000000001") ||
                (names[0] == "log.0000000001" && names[1] == "log"))
        << names[0] << " " << names[1];
  }
}

TEST(ListingOrderFileIOTest, ServesTheSeededOrderOfARealDirectory) {
  TempDir dir;
  for (const std::string& name : kHome) std::ofstream(dir.Sub(name)) << name;
  ListingOrderFileIO io(DefaultFileIO(), true, 7);
  std::vector<std::string> names, expected = kHome;
  ASSERT_TRUE(io.ListDir(dir.path(), &names).ok());
  OrderListing(dir.path(), true, 7, &expected);
  EXPECT_EQ(names, expected);
  EXPECT_TRUE(names[0].rfind("log", 0) == 0);
}

}  // namespace
}  // namespace bdb::sim
