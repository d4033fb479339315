// RunTrial with an application as the workload (workload.command), end to
// end, on the shipped scenarios of the two example applications: the C
// program (hot backup, a crash and a power loss through the preloaded BDB
// hooks, recovery, restore) and the Python program (a killed backup, a hot
// backup, a crash, recovery, restore) pass with every planned fault fired;
// cp -a of the C program's live home is caught. And what the harness says
// when an application cannot be judged: it never acknowledges, or its BDB
// writes never reach the hooks a power cut needs.
#include <gtest/gtest.h>

#include <string>

#include "base/file_io.h"
#include "simulator/harness/trial_runner.h"
#include "simulator/plan/scenario.h"
#include "tests/support/trial_helpers.h"

namespace bdb::sim {
namespace {

// A failing trial keeps its sandbox for the one who debugs it; a test that
// expects the failure removes it, so the runs leave nothing behind.
void RemoveKeptSandbox(const TrialResult& r) {
  if (!r.sandbox.empty()) RemoveTree(DefaultFileIO(), r.sandbox);  // best effort
}

Scenario Shipped(const std::string& name) {
  Scenario sc;
  const std::string path = std::string(BDBACKUP_SOURCE_DIR) + "/scenarios/apps/" + name + ".toml";
  Status s = LoadScenarioFile(path, &sc);
  EXPECT_TRUE(s.ok()) << s.message();
  return sc;
}

void ExpectPassExercised(const TrialResult& r) {
  EXPECT_EQ(r.outcome, Outcome::kPass) << r.detail << " (sandbox kept: " << r.sandbox << ")";
  EXPECT_TRUE(r.exercised);
  EXPECT_EQ(r.missing, 0u);
  EXPECT_GT(r.acked, 0u);
  EXPECT_GT(r.checked, 0u);
  for (const auto& e : r.exercise) EXPECT_TRUE(e.fired) << e.kind << ": " << e.hit;
}

TEST(AppWorkloadTrial, COrdersApplicationSurvivesHotBackupCrashAndPowerLoss) {
  const TrialResult r = RunTrial(Shipped("orders-power-loss"), 11, 0, TestRunnerOptions());
  ExpectPassExercised(r);
  EXPECT_NE(r.detail.find("equals the replay's"), std::string::npos) << r.detail;
}

TEST(AppWorkloadTrial, PythonAccountsApplicationSurvivesKilledBackupAndCrash) {
  const TrialResult r = RunTrial(Shipped("accounts-crash"), 12, 0, TestRunnerOptions());
  ExpectPassExercised(r);
}

TEST(AppWorkloadTrial, CpOfTheLiveCOrdersHomeIsCaught) {
  const TrialResult r = RunTrial(Shipped("orders-cp-a"), 13, 0, TestRunnerOptions());
  const bool caught = r.outcome == Outcome::kLoss || (r.outcome == Outcome::kDetected && r.explained);
  EXPECT_TRUE(caught) << OutcomeName(r.outcome) << ": " << r.detail;
}

// faults.workload_io_error through the preloaded hooks: the application's
// n-th fsync under BDB fails; it stops (or BDB absorbs it), and recovery keeps
// every acknowledged operation.
TEST(AppWorkloadTrial, AnFsyncErrorUnderTheApplicationsBdbStopsItAndRecoveryKeepsEveryAck) {
  const Scenario sc = LoadInlineScenario(R"(name = "orders-fsync-error"
description = "an fsync under the C application's BDB fails"
expect = "pass"
[workload]
command = ["{bin}/example-orders", "run", "--home", "{home}", "--ack", "{ack}"]
replay = ["{bin}/example-orders", "replay", "--dest", "{dest}", "--n", "{n}"]
dump = ["{bin}/example-orders", "dump", "--home", "{home}"]
count = ["{bin}/example-orders", "count", "--home", "{home}"]
[faults]
workload_io_error = { points = ["fsync"], errno = "EIO", at = [20, 40] }
[[steps]]
action = "wait_txns"
txns = 500
[[steps]]
action = "recover_check"
)");
  const TrialResult r = RunTrial(sc, 16, 0, TestRunnerOptions());
  ExpectPassExercised(r);
}

// An "application" that acknowledges but never touches Berkeley DB: a power
// cut has nothing of it to act on, and the trial says why instead of passing.
TEST(AppWorkloadTrial, PowerLossOfAnApplicationTheHooksNeverSawIsAHarnessError) {
  const Scenario sc = LoadInlineScenario(R"(name = "no-bdb"
description = "acks without Berkeley DB"
expect = "pass"
[workload]
command = ["/bin/sh", "-c", "i=1; while :; do echo ack $i >> $1; i=$((i+1)); sleep 0.01; done", "{home}", "{ack}"]
replay = ["/bin/true", "{dest}", "{n}"]
dump = ["/bin/true", "{home}"]
count = ["/bin/true", "{home}"]
txns = 100
[[steps]]
action = "wait_txns"
txns = 10
[[steps]]
action = "power_loss"
mode = "none"
[[steps]]
action = "recover_check"
)");
  const TrialResult r = RunTrial(sc, 14, 0, TestRunnerOptions());
  RemoveKeptSandbox(r);
  EXPECT_EQ(r.outcome, Outcome::kHarnessError);
  EXPECT_NE(r.detail.find("the power-loss journal holds no write of the application's environment"), std::string::npos)
      << r.detail;
}

TEST(AppWorkloadTrial, AnApplicationThatDiesBeforeItsFirstAckIsAHarnessError) {
  const Scenario sc = LoadInlineScenario(R"(name = "dies"
description = "exits at once"
expect = "pass"
[workload]
command = ["/bin/sh", "-c", "echo 'cannot open the environment' >&2; exit 4", "{home}", "{ack}"]
replay = ["/bin/true", "{dest}", "{n}"]
dump = ["/bin/true", "{home}"]
count = ["/bin/true", "{home}"]
)");
  const TrialResult r = RunTrial(sc, 15, 0, TestRunnerOptions());
  RemoveKeptSandbox(r);
  EXPECT_EQ(r.outcome, Outcome::kHarnessError);
  EXPECT_EQ(r.detail,
            "trial setup: the application ended (exit code 4) before its first ack: cannot open the "
            "environment");
}

}  // namespace
}  // namespace bdb::sim
