// Tests of the retention policy (which backups and archived logs expire
// keeps) as a pure function, and of the durations its flags take.
#include "engine/repository/retention_policy.h"

#include <gtest/gtest.h>

#include "engine/repository/backup_id.h"
#include "base/duration.h"
#include "engine/bdb/log_names.h"

namespace bdb {
namespace {

constexpr int64_t kDay = 24 * 3600 * 1000;
constexpr int64_t kNow = 1795457700000;  // 2026-11-23T18:15:00Z

// A backup started `days_ago` days before kNow, holding logs [first, last].
Manifest Backup(double days_ago, const std::string& mode, uint32_t first, uint32_t last, const std::string& parent = "") {
  Manifest m;
  m.start_unix_ms = kNow - static_cast<int64_t>(days_ago * kDay);
  m.end_unix_ms = m.start_unix_ms + 1000;
  m.mode = ModeNamed(mode);
  m.id = MakeBackupId(m.start_unix_ms, m.mode, 0);
  m.parent = parent;
  m.first_log = first;
  m.last_log = last;
  for (uint32_t n = first; n <= last; ++n) m.files.push_back(ManifestFile{"log/" + LogFileName(n), "log", 1, "", 0, false});
  return m;
}

// Two weekly chains: hot (logs 1-2) + incremental (2-3); hot (5-6) + incremental (6-7); then hot (9-9).
class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    backups_.push_back(Backup(20, "hot", 1, 2));
    backups_.push_back(Backup(19, "incremental", 2, 3, backups_[0].id));
    backups_.push_back(Backup(13, "hot", 5, 6));
    backups_.push_back(Backup(12, "incremental", 6, 7, backups_[2].id));
    backups_.push_back(Backup(6, "hot", 9, 9));
    for (uint32_t n = 1; n <= 12; ++n) archived_.push_back(n);
  }
  RetentionPlan Plan(const RetentionPolicy& policy) {
    RetentionPlan plan;
    Status s = PlanRetention(backups_, archived_, policy, kNow, &plan);
    EXPECT_TRUE(s.ok()) << s.message();
    return plan;
  }
  std::string Id(size_t i) const { return backups_[i].id; }
  std::vector<Manifest> backups_;
  std::vector<uint32_t> archived_;
};

TEST_F(RetentionTest, KeepFullKeepsTheNewestFullsWithTheirIncrementalsAndExpiresNewestFirst) {
  RetentionPolicy policy;
  policy.keep_full = 2;
  RetentionPlan plan = Plan(policy);
  EXPECT_EQ(plan.kept, (std::vector<std::string>{Id(2), Id(3), Id(4)}));
  EXPECT_EQ(plan.expired, (std::vector<std::string>{Id(1), Id(0)}));  // the incremental before its parent
  // Logs 5-7 are in the kept chain's backups; 8 is in no backup but below
  // the newest backup's log 9 and in no kept chain's range; 9 onward roll forward.
  EXPECT_EQ(plan.expired_logs, (std::vector<uint32_t>{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(plan.kept_because.at(Id(3)).front(), "one of the newest 2 full backups (--keep-full)");
}

TEST_F(RetentionTest, AKeptChainKeepsTheArchivedLogsItsBackupsDoNotHold) {
  backups_[3].files.pop_back();  // the incremental lacks log 7: only the archive has it
  RetentionPolicy policy;
  policy.keep_full = 2;
  RetentionPlan plan = Plan(policy);
  EXPECT_EQ(plan.expired_logs, (std::vector<uint32_t>{1, 2, 3, 4, 5, 6, 8}));
  EXPECT_TRUE(plan.LogNeeded(7));
  EXPECT_TRUE(plan.LogNeeded(12));
  EXPECT_FALSE(plan.LogNeeded(8));
}

TEST_F(RetentionTest, KeepForKeepsRecentBackupsAndTheChainsTheyNeed) {
  RetentionPolicy policy;
  policy.keep_for_ms = 12 * kDay + kDay / 2;  // only the second incremental and the last hot are that recent
  RetentionPlan plan = Plan(policy);
  EXPECT_EQ(plan.kept, (std::vector<std::string>{Id(2), Id(3), Id(4)}));
  EXPECT_EQ(plan.kept_because.at(Id(2)), (std::vector<std::string>{"in the chain of kept backup " + Id(3)}));
  EXPECT_EQ(plan.kept_because.at(Id(3)), (std::vector<std::string>{"started within 300h (--keep-for)"}));
}

TEST_F(RetentionTest, TheNewestBackupIsAlwaysKept) {
  RetentionPolicy policy;
  policy.keep_for_ms = 1000;  // nothing is that recent
  RetentionPlan plan = Plan(policy);
  EXPECT_EQ(plan.kept, (std::vector<std::string>{Id(4)}));
  EXPECT_EQ(plan.kept_because.at(Id(4)), (std::vector<std::string>{"the newest backup (always kept)"}));
}

TEST_F(RetentionTest, APinKeepsItsBackupAndChain) {
  RetentionPolicy policy;
  policy.keep_full = 1;
  policy.pins = {Id(1)};
  RetentionPlan plan = Plan(policy);
  EXPECT_EQ(plan.kept, (std::vector<std::string>{Id(0), Id(1), Id(4)}));
  EXPECT_EQ(plan.expired, (std::vector<std::string>{Id(3), Id(2)}));
  // Logs 1-3 are in the pinned chain's own backups: their archived copies are not needed.
  EXPECT_EQ(plan.expired_logs, (std::vector<uint32_t>{1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST_F(RetentionTest, KeepPitrKeepsTheBaseBeforeTheWindowAndEverythingAfter) {
  RetentionPolicy policy;
  policy.keep_full = 1;
  policy.keep_pitr_ms = 10 * kDay;  // the window starts 10 days ago: the hot of 13 days ago is its base
  RetentionPlan plan = Plan(policy);
  EXPECT_EQ(plan.kept, (std::vector<std::string>{Id(2), Id(3), Id(4)}));
  EXPECT_EQ(plan.expired_logs, (std::vector<uint32_t>{1, 2, 3, 4}));  // from the base's first log 5 on: all kept
  policy.keep_pitr_ms = 30 * kDay;  // older than every backup: the oldest full is the base
  plan = Plan(policy);
  EXPECT_TRUE(plan.expired.empty());
  EXPECT_TRUE(plan.expired_logs.empty());
}

TEST_F(RetentionTest, AnIncrementalWhoseParentIsGoneKeepsNoLogs) {
  backups_.erase(backups_.begin() + 2);  // the second chain's full is gone; its incremental stays
  RetentionPolicy policy;
  policy.keep_for_ms = 13 * kDay;
  RetentionPlan plan = Plan(policy);
  EXPECT_EQ(plan.kept, (std::vector<std::string>{Id(2), Id(3)}));  // (indexes shifted) the orphan and the newest
  EXPECT_FALSE(plan.LogNeeded(7));
}

TEST_F(RetentionTest, ArchivedLogsAreKeptWhenThereIsNoBackup) {
  backups_.clear();
  RetentionPolicy policy;
  policy.keep_full = 1;
  RetentionPlan plan = Plan(policy);
  EXPECT_TRUE(plan.expired_logs.empty());
  EXPECT_TRUE(plan.LogNeeded(1));
}

TEST_F(RetentionTest, RefusesWithoutARuleAndForAnUnknownPin) {
  RetentionPlan plan;
  RetentionPolicy pins_only;
  pins_only.pins = {Id(0)};
  Status s = PlanRetention(backups_, archived_, pins_only, kNow, &plan);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "bad usage: expire needs --keep-full N, --keep-for DURATION or --keep-pitr DURATION");
  RetentionPolicy policy;
  policy.keep_full = 1;
  policy.pins = {"20200101T000000Z-hot"};
  s = PlanRetention(backups_, archived_, policy, kNow, &plan);
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_EQ(s.message(), "backup '20200101T000000Z-hot' named by --pin is not in the repository");
}

TEST(Duration, ParsesTheFourUnits) {
  int64_t ms = 0;
  ASSERT_TRUE(ParseDuration("90s", "--max-age", &ms).ok());
  EXPECT_EQ(ms, 90000);
  ASSERT_TRUE(ParseDuration("15m", "--max-age", &ms).ok());
  EXPECT_EQ(ms, 15 * 60000);
  ASSERT_TRUE(ParseDuration("36h", "--max-age", &ms).ok());
  EXPECT_EQ(ms, 36 * 3600000LL);
  ASSERT_TRUE(ParseDuration("7d", "--max-age", &ms).ok());
  EXPECT_EQ(ms, 7 * kDay);
}

TEST(Duration, RefusesAnythingElseWithOneLine) {
  for (const char* bad : {"", "7", "d", "0d", "-1d", "7w", "1.5h", "7 d", " 7d", "99999999999999999999d"}) {
    int64_t ms = 0;
    Status s = ParseDuration(bad, "--keep-for", &ms);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << bad;
    EXPECT_EQ(s.message(), "bad usage: --keep-for '" + std::string(bad) +
                               "' is not a duration: expected a whole number followed by s, m, h or d (90s, 15m, "
                               "36h, 7d)");
  }
}

TEST(Duration, FormatsWithTheLargestExactUnit) {
  EXPECT_EQ(FormatDuration(7 * kDay), "7d");
  EXPECT_EQ(FormatDuration(90 * 60000), "90m");
  EXPECT_EQ(FormatDuration(36 * 3600000LL), "36h");
  EXPECT_EQ(FormatDuration(1500), "1s");
  EXPECT_EQ(FormatAge(3 * kDay + 4 * 3600000LL + 5), "3d 4h");
  EXPECT_EQ(FormatAge(42000), "42s");
  EXPECT_EQ(FormatAge(-61000), "-1m 1s");
}

}  // namespace
}  // namespace bdb
