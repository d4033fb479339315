// RunTrial with the workload knobs for application settings:
// DB_TXN_BULK writers with the engine's announced hot backup and held
// incrementals pass, the test-only engine that does not announce the hot
// backup is caught under the same bulk load, and encrypted and data-directory
// environments restore through the harness's restore, verify and oracle.
#include <gtest/gtest.h>

#include "tests/support/trial_helpers.h"

#include <string>
#include <vector>

#include "simulator/harness/trial_runner.h"
#include "simulator/plan/scenario.h"
#include "tests/support/test_env.h"

namespace bdb::sim {
namespace {

Scenario Load(const std::string& toml) { return LoadInlineScenario(toml); }
RunnerOptions Options() { return TestRunnerOptions(); }

// The bulk workload of bulk-hot-announced.toml and its negative control.
std::string BulkHot(bool announce) {
  return std::string(R"(name = "app-bulk-hot"
description = "bulk writers, hot backup under load"
expect = ")") +
         (announce ? "pass" : "caught") + R"("

[workload]
txns = 2000
threads = 1
bulk = true
keys_per_txn = [8, 24]
value_bytes = [256, 2048]

[backup]
mode = "hot"
start_after_txns = 400
announce_hotbackup = )" +
         (announce ? "true" : "false") + "\n";
}

void ExpectPassExercised(const TrialResult& r) {
  EXPECT_EQ(r.outcome, Outcome::kPass) << r.detail;
  EXPECT_EQ(r.missing, 0u);
  EXPECT_GT(r.checked, 0u);
  for (const auto& e : r.exercise) EXPECT_TRUE(e.fired) << e.kind << ": " << e.hit;
}

TEST(AppSettingsTrial, BulkHotBackupAnnouncedPasses) {
  ExpectPassExercised(RunTrial(Load(BulkHot(true)), 3, 0, Options()));
}

// Held announcement: the incrementals after the hot backup are published
// (not refused) and the chain restores every acknowledged commit.
TEST(AppSettingsTrial, BulkHeldHotBackupThenIncrementalsRestore) {
  const Scenario sc = Load(R"(name = "app-bulk-chain"
description = "bulk writers, held hot backup, incrementals"
expect = "pass"

[workload]
txns = 900
threads = 1
bulk = true
keys_per_txn = [8, 24]
value_bytes = [256, 2048]

[backup]
hold_hotbackup = true

[[steps]]
action = "wait_txns"
txns = 200

[[steps]]
action = "backup"
mode = "hot"

[[steps]]
action = "wait_txns"
txns = 500

[[steps]]
action = "backup"
mode = "incremental"

[[steps]]
action = "restore_check"
)");
  const TrialResult r = RunTrial(sc, 5, 0, Options());
  ExpectPassExercised(r);
  // The latest backup, the one restored, is the incremental: it was published, not refused.
  EXPECT_NE(r.detail.find("-incremental: ok"), std::string::npos) << r.detail;
}

// Without the announcement, bulk inserts on pages allocated after the copy
// read them are in no copy and no log: up to three seeds must catch it.
TEST(AppSettingsTrial, UnannouncedHotBackupUnderBulkIsCaught) {
  const Scenario sc = Load(BulkHot(false));
  std::vector<std::string> outcomes;
  bool caught = false;
  for (uint64_t seed = 1; seed <= 3 && !caught; ++seed) {
    const TrialResult r = RunTrial(sc, seed, 0, Options());
    outcomes.push_back(std::string(OutcomeName(r.outcome)) + ": " + r.detail);
    caught = TrialCaught(r);
  }
  EXPECT_TRUE(caught) << ::testing::PrintToString(outcomes);
}

TEST(AppSettingsTrial, EncryptedAndDataDirEnvironmentsRestore) {
  for (const char* knob : {"encrypt = true", "data_dir = \"data\""}) {
    const Scenario sc = Load(std::string(R"(name = "app-env"
description = "application settings"
expect = "pass"

[workload]
txns = 400
)") + knob + R"(

[backup]
mode = "hot"
start_after_txns = 150
)");
    SCOPED_TRACE(knob);
    ExpectPassExercised(RunTrial(sc, 7, 0, Options()));
  }
}

}  // namespace
}  // namespace bdb::sim
