// The exact prefix oracle with a real application (example-orders, built by
// this project): a state of N operations made by the application's own
// replay passes; fewer operations than acknowledged, a changed record (the
// first differing lines shown), more operations than ever acknowledged, a
// page that fails DB->verify, and broken oracle commands each get their class.
#include "simulator/harness/app_oracle.h"

#include <db.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "simulator/harness/argv_template.h"
#include "simulator/harness/child_process.h"
#include "tests/support/test_env.h"

namespace bdb::sim {
namespace {

constexpr int kTimeoutMs = 60000;
constexpr uint64_t kOperations = 120;

std::string Bin() { return DirectoryOf(BDBSIM_BIN); }

ApplicationSpec Orders() {
  ApplicationSpec spec;
  const std::string app = "{bin}/example-orders";
  spec.command = {app, "run", "--home", "{home}", "--ack", "{ack}"};
  spec.replay = {app, "replay", "--dest", "{dest}", "--n", "{n}"};
  spec.dump = {app, "dump", "--home", "{home}"};
  spec.count = {app, "count", "--home", "{home}"};
  return spec;
}

class AppOracleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The state after kOperations operations, built by the application itself.
    std::filesystem::create_directory(dir_.Sub("home"));
    ChildResult child;
    ASSERT_TRUE(RunChild({Bin() + "/example-orders", "replay", "--dest", home(), "--n", std::to_string(kOperations)},
                         kTimeoutMs, &child)
                    .ok());
    ASSERT_TRUE(child.Succeeded()) << child.err;
    std::filesystem::create_directory(dir_.Sub("work"));
  }
  std::string home() const { return dir_.Sub("home"); }
  AppVerdict Check(uint64_t acked_before, uint64_t acked_ever, const ApplicationSpec& spec = Orders()) {
    AppOracle oracle(spec, Bin(), dir_.Sub("work"), kTimeoutMs);
    return oracle.Check(home(), acked_before, acked_ever);
  }
  // Sets one record of data/stock.db, the application not running.
  void ChangeStock(const std::string& key, const std::string& value) {
    DB_ENV* env = nullptr;
    ASSERT_EQ(db_env_create(&env, 0), 0);
    ASSERT_EQ(env->open(env, home().c_str(), DB_CREATE | DB_INIT_MPOOL | DB_PRIVATE, 0), 0);
    DB* db = nullptr;
    ASSERT_EQ(db_create(&db, env, 0), 0);
    ASSERT_EQ(db->open(db, nullptr, "stock.db", nullptr, DB_HASH, 0, 0), 0);
    DBT k{}, v{};
    k.data = const_cast<char*>(key.data());
    k.size = static_cast<u_int32_t>(key.size());
    v.data = const_cast<char*>(value.data());
    v.size = static_cast<u_int32_t>(value.size());
    EXPECT_EQ(db->put(db, nullptr, &k, &v, 0), 0);
    db->close(db, 0);
    env->close(env, 0);
  }
  TempDir dir_{"app-oracle"};
};

TEST_F(AppOracleTest, FindsEveryDatabaseThroughDbConfig) {
  std::vector<std::string> databases;
  ASSERT_TRUE(AppOracle::FindDatabases(home(), &databases).ok());
  EXPECT_EQ(databases, (std::vector<std::string>{"data/audit.db", "data/orders.db", "data/stock.db"}));
}

TEST_F(AppOracleTest, TheStateOfItsOperationsPasses) {
  const AppVerdict v = Check(kOperations - 20, kOperations);
  EXPECT_EQ(v.outcome, Outcome::kPass) << v.detail;
  EXPECT_TRUE(v.counted);
  EXPECT_EQ(v.count, kOperations);
  EXPECT_GT(v.dump_lines, kOperations);  // the audit trail alone has one line an operation
  EXPECT_EQ(v.detail,
            fmt::format("ok: 120 operations (100 acknowledged before), 3 databases verified, dump of {} lines equals "
                        "the replay's",
                        v.dump_lines));
}

TEST_F(AppOracleTest, FewerOperationsThanAcknowledgedIsLoss) {
  const AppVerdict v = Check(kOperations + 5, kOperations + 9);
  EXPECT_EQ(v.outcome, Outcome::kLoss);
  EXPECT_EQ(v.missing, 5u);
  EXPECT_EQ(v.detail,
            "the state holds 120 operations, but 125 were acknowledged before it was taken (operations 121 to 125 "
            "are missing)");
}

TEST_F(AppOracleTest, MoreOperationsThanEverAcknowledgedIsLoss) {
  const AppVerdict v = Check(10, 20);
  EXPECT_EQ(v.outcome, Outcome::kLoss);
  EXPECT_EQ(v.detail,
            "the state holds 120 operations, but only 20 were ever acknowledged (at most 64 more can have committed "
            "unacknowledged)");
}

TEST_F(AppOracleTest, AChangedRecordIsLossShowingTheFirstDifferingLines) {
  ChangeStock("item00", "424242");
  const AppVerdict v = Check(kOperations, kOperations);
  EXPECT_EQ(v.outcome, Outcome::kLoss);
  EXPECT_NE(v.detail.find("the state's dump differs from the replay of its 120 operations: first difference at line "),
            std::string::npos)
      << v.detail;
  EXPECT_NE(v.detail.find("restored 'stock item00 424242'"), std::string::npos) << v.detail;
  EXPECT_NE(v.detail.find("; replayed 'stock item"), std::string::npos) << v.detail;
  EXPECT_FALSE(v.unreadable);
}

TEST_F(AppOracleTest, ReplaysAreCachedPerCount) {
  AppOracle oracle(Orders(), Bin(), dir_.Sub("work"), kTimeoutMs);
  ASSERT_EQ(oracle.Check(home(), kOperations, kOperations).outcome, Outcome::kPass);
  const std::string replay = dir_.Sub("work/replay-120");
  ASSERT_TRUE(std::filesystem::is_directory(replay));
  std::filesystem::remove_all(replay);
  // The same count again: its replay's dump is the one kept, not built anew.
  EXPECT_EQ(oracle.Check(home(), kOperations, kOperations).outcome, Outcome::kPass);
  EXPECT_FALSE(std::filesystem::exists(replay));
}

TEST_F(AppOracleTest, APageThatFailsVerifyIsDetected) {
  {
    std::fstream f(dir_.Sub("home/data/orders.db"), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096 + 200);  // inside page 1, which carries a checksum (DB_CHKSUM)
    f.write("\xff\xff\xff\xff", 4);
  }
  const AppVerdict v = Check(kOperations, kOperations);
  EXPECT_EQ(v.outcome, Outcome::kDetected);
  EXPECT_EQ(v.detail.rfind("DB->verify: ", 0), 0u) << v.detail;
  EXPECT_NE(v.detail.find("orders.db"), std::string::npos) << v.detail;
}

TEST_F(AppOracleTest, ACountThatFailsOnTheStateIsLoss) {
  ApplicationSpec spec = Orders();
  spec.count = {"/bin/sh", "-c", "echo 'cannot open {home}' >&2; exit 1"};
  const AppVerdict v = Check(kOperations, kOperations, spec);
  EXPECT_EQ(v.outcome, Outcome::kLoss);
  EXPECT_TRUE(v.unreadable);
  EXPECT_EQ(v.detail, "the application's count failed (exit code 1): cannot open " + home());
}

TEST_F(AppOracleTest, BrokenOracleCommandsAreHarnessErrors) {
  ApplicationSpec spec = Orders();
  spec.count = {"/bin/echo", "many", "{home}"};
  AppVerdict v = Check(kOperations, kOperations, spec);
  EXPECT_EQ(v.outcome, Outcome::kHarnessError);
  EXPECT_EQ(v.detail.rfind("the application's count printed 'many ", 0), 0u) << v.detail;

  spec = Orders();
  spec.replay = {"/bin/sh", "-c", "exit 2", "{dest}", "{n}"};
  v = Check(kOperations, kOperations, spec);
  EXPECT_EQ(v.outcome, Outcome::kHarnessError);
  EXPECT_EQ(v.detail, "the replay of 120 operations failed (exit code 2)");
}

TEST_F(AppOracleTest, ACommandPastItsTimeLimitIsAHang) {
  ApplicationSpec spec = Orders();
  spec.dump = {"/bin/sh", "-c", "sleep 30", "{home}"};
  AppOracle oracle(spec, Bin(), dir_.Sub("work"), 3000);
  const AppVerdict v = oracle.Check(home(), kOperations, kOperations);
  EXPECT_EQ(v.outcome, Outcome::kHang);
  EXPECT_EQ(v.detail, "the application's dump was stopped by the harness timeout after 3000 ms");
}

TEST(AppOracleDumpTest, FirstDifferenceShowsUpToThreeLinesOfEach) {
  EXPECT_EQ(AppOracle::FirstDifference("a\nb\n", "a\nb\n"), "");
  EXPECT_EQ(AppOracle::FirstDifference("a\nb\nc\nd\ne\n", "a\nB\nc\nd\ne\n"),
            "first difference at line 2: restored 'b' | 'c' | 'd'; replayed 'B' | 'c' | 'd'");
  EXPECT_EQ(AppOracle::FirstDifference("a\n", "a\nb\n"),
            "first difference at line 2: restored (end of dump); replayed 'b'");
  const std::string long_line(300, 'x');
  EXPECT_EQ(AppOracle::FirstDifference(long_line + "\n", "y\n"),
            "first difference at line 1: restored '" + std::string(160, 'x') + "...'; replayed 'y'");
}

}  // namespace
}  // namespace bdb::sim
