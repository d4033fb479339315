// RunTrial with a power cut in the backup agent's write path: the
// real engine keeps its promise at a cut in publish and in archive's removal
// (the repository shows the old state or the new backup whole, no log number
// is lost, every ack recovers), and each durability shortcut of the negative
// controls is caught at the same kind of cut: a listed backup that does not
// verify, a lost log, an archived copy that does not match its sidecar.
#include <gtest/gtest.h>

#include <string>

#include "simulator/harness/trial_runner.h"
#include "simulator/plan/scenario.h"
#include "tests/support/trial_helpers.h"

namespace bdb::sim {
namespace {

// A hot backup, then a second hot backup cut `cut` into its write path.
std::string PublishCut(const std::string& expect, const std::string& shortcut, const std::string& cut) {
  return R"(name = "publish-cut"
description = "power cut in a hot backup's publish"
expect = ")" + expect + R"("
[workload]
txns = 600
[backup]
durability_shortcut = ")" + shortcut + R"("
[[steps]]
action = "wait_txns"
txns = 150
[[steps]]
action = "backup"
[[steps]]
action = "wait_txns"
txns = 350
[[steps]]
action = "backup"
power_cut = )" + cut + R"(
[[steps]]
action = "recover_check"
)";
}

// A hot backup, then an archive cut after its first log's removal.
std::string ArchiveCut(const std::string& expect, const std::string& shortcut) {
  return R"(name = "archive-cut"
description = "power cut after an archived log's removal"
expect = ")" + expect + R"("
[workload]
txns = 900
log_file_bytes = 65536
[backup]
durability_shortcut = ")" + shortcut + R"("
[[steps]]
action = "wait_txns"
txns = 150
[[steps]]
action = "backup"
[[steps]]
action = "wait_txns"
txns = 500
[[steps]]
action = "archive"
power_cut = { from = "archive_removal", at = [3, 3], mode = "none" }
[[steps]]
action = "recover_check"
)";
}

const FaultExercise* CutOf(const TrialResult& r) {
  for (const FaultExercise& e : r.exercise)
    if (e.kind == "agent_power_cut") return &e;
  return nullptr;
}

TEST(PowerCutTrial, RealEngineKeepsPublishWholeAndControlsAreCaught) {
  const std::string after_publish = R"({ from = "manifest", at = [8, 8], mode = "none" })";
  const TrialResult real = RunTrial(LoadInlineScenario(PublishCut("pass", "none", after_publish)), 11, 0,
                                    TestRunnerOptions());
  EXPECT_EQ(real.outcome, Outcome::kPass) << real.detail;
  ASSERT_NE(CutOf(real), nullptr);
  EXPECT_TRUE(CutOf(real)->fired) << CutOf(real)->hit;
  EXPECT_NE(CutOf(real)->hit.find("phase="), std::string::npos);

  const TrialResult unsynced = RunTrial(LoadInlineScenario(PublishCut("caught", "unsynced_files", after_publish)), 11,
                                        0, TestRunnerOptions());
  EXPECT_EQ(unsynced.outcome, Outcome::kLoss) << unsynced.detail;
  EXPECT_NE(unsynced.detail.find("does not verify"), std::string::npos) << unsynced.detail;

  const std::string manifest_window = R"({ from = "rename", at = [3, 3], mode = "none" })";
  const TrialResult late_manifest = RunTrial(
      LoadInlineScenario(PublishCut("caught", "manifest_after_rename", manifest_window)), 11, 0, TestRunnerOptions());
  EXPECT_EQ(late_manifest.outcome, Outcome::kLoss) << late_manifest.detail;
  const TrialResult real_window =
      RunTrial(LoadInlineScenario(PublishCut("pass", "none", manifest_window)), 11, 0, TestRunnerOptions());
  EXPECT_EQ(real_window.outcome, Outcome::kPass) << real_window.detail;
}

TEST(PowerCutTrial, RealArchiveLosesNoLogAndControlsAreCaught) {
  const TrialResult real = RunTrial(LoadInlineScenario(ArchiveCut("pass", "none")), 5, 0, TestRunnerOptions());
  EXPECT_EQ(real.outcome, Outcome::kPass) << real.detail;
  ASSERT_NE(CutOf(real), nullptr);
  EXPECT_TRUE(CutOf(real)->fired) << CutOf(real)->hit;

  const TrialResult no_dir_fsync =
      RunTrial(LoadInlineScenario(ArchiveCut("caught", "no_dir_fsync")), 5, 0, TestRunnerOptions());
  EXPECT_EQ(no_dir_fsync.outcome, Outcome::kLoss) << no_dir_fsync.detail;

  const TrialResult early_removal =
      RunTrial(LoadInlineScenario(ArchiveCut("caught", "remove_before_archive_fsync")), 5, 0, TestRunnerOptions());
  EXPECT_EQ(early_removal.outcome, Outcome::kLoss) << early_removal.detail;
  EXPECT_NE(early_removal.detail.find("does not match its sidecar"), std::string::npos) << early_removal.detail;
}

// A restore that reported success keeps its target through a cut right
// after it: its subdirectories and its own name in the parent are fsynced.
TEST(PowerCutTrial, RestoredTargetSurvivesACutAfterSuccess) {
  const TrialResult r = RunTrial(LoadInlineScenario(R"(name = "restore-cut"
description = "power cut right after a restore"
expect = "pass"
[workload]
txns = 500
[[steps]]
action = "wait_txns"
txns = 200
[[steps]]
action = "backup"
[[steps]]
action = "wait_txns"
txns = 400
[[steps]]
action = "restore_check"
power_cut = { from = "restore", at = [1000000, 1000000], mode = "none" }
[[steps]]
action = "recover_check"
)"),
                                 3, 0, TestRunnerOptions());
  EXPECT_EQ(r.outcome, Outcome::kPass) << r.detail;
  ASSERT_NE(CutOf(r), nullptr);
  EXPECT_NE(CutOf(r)->hit.find("phase=after_exit"), std::string::npos) << CutOf(r)->hit;
}

}  // namespace
}  // namespace bdb::sim
