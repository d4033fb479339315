// What a trial spends on its checks: a restore_check to the end of the
// backup's logs restores once (verify's trial restore, kept, with restore's
// own checks) and the oracle reads that directory without running DB->verify
// again on the databases verify passed; the workload is stopped once no later
// step reads its commits. Real trials, narrated.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/file_io.h"
#include "simulator/harness/trial_runner.h"
#include "tests/support/test_env.h"
#include "tests/support/trial_helpers.h"

namespace bdb::sim {
namespace {

const char* kHot = R"(name = "one-restore"
description = "hot backup under load, checked once"
expect = "pass"

[workload]
txns = 300
checkpoint_every_txns = 5

[backup]
mode = "hot"
start_after_txns = 100
)";

// A later wait needs the workload: it runs until that step, then stops.
const char* kWaitAfterBackup = R"(name = "wait-after-backup"
description = "a wait after the backup keeps the workload until then"
expect = "pass"

[workload]
txns = 400
checkpoint_every_txns = 5

[[steps]]
action = "wait_txns"
txns = 100

[[steps]]
action = "backup"

[[steps]]
action = "wait_txns"
txns = 250

[[steps]]
action = "restore_check"
)";

struct Narrated {
  TrialResult result;
  std::vector<std::string> lines;
  // Index of the first line containing `text`, or -1.
  int Find(const std::string& text) const {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (lines[i].find(text) != std::string::npos) return static_cast<int>(i);
    }
    return -1;
  }
};

Narrated RunNarrated(const std::string& toml, bool keep) {
  Narrated n;
  RunnerOptions o = TestRunnerOptions();
  o.keep_sandboxes = keep;
  o.narrate = [&n](const std::string& line) { n.lines.push_back(line); };
  n.result = RunTrial(LoadInlineScenario(toml), 5, 0, o);
  return n;
}

TEST(RestoreCheckTest, OneRestoreSharedByVerifyAndTheOracle) {
  Narrated n = RunNarrated(kHot, /*keep=*/true);
  EXPECT_EQ(n.result.outcome, Outcome::kPass) << n.result.detail;
  ASSERT_NE(n.result.sandbox, "");
  EXPECT_GE(n.Find("(verify's trial restore, kept)"), 0) << ::testing::PrintToString(n.lines);
  EXPECT_GT(n.result.recovery_ms, 0);
  std::vector<std::string> names;
  ASSERT_TRUE(DefaultFileIO()->ListDir(n.result.sandbox, &names).ok());
  int restores = 0, scratch = 0;
  for (const std::string& name : names) {
    restores += name.rfind("restore-", 0) == 0;
    scratch += name.rfind("bdbackup-verify", 0) == 0;
  }
  EXPECT_EQ(restores, 1) << ::testing::PrintToString(names);
  EXPECT_EQ(scratch, 0) << "verify made a scratch restore of its own";
  // The oracle read verify's directory, and did not verify what verify did.
  const nlohmann::json request =
      nlohmann::json::parse(ReadFileContents(JoinPath(n.result.sandbox, "oracle-1.json")));
  EXPECT_EQ(request.at("home"), JoinPath(n.result.sandbox, "restore-1"));
  EXPECT_EQ(request.at("already_verified"), nlohmann::json({"a.db", "b.db"}));
  RemoveTree(DefaultFileIO(), n.result.sandbox);
}

// After the backup nothing reads the workload's commits: it is stopped
// before the restore check, which still finds every acknowledged commit.
TEST(RestoreCheckTest, WorkloadStopsAfterTheLastStepThatReadsIt) {
  Narrated n = RunNarrated(kHot, /*keep=*/false);
  EXPECT_EQ(n.result.outcome, Outcome::kPass) << n.result.detail;
  const int stopped = n.Find("workload stopped after ");
  ASSERT_GE(stopped, 0) << ::testing::PrintToString(n.lines);
  EXPECT_GT(stopped, n.Find("step 2: backup"));
  EXPECT_LT(stopped, n.Find("step 3: restore_check"));
  EXPECT_EQ(n.result.missing, 0u);
}

TEST(RestoreCheckTest, WorkloadRunsUntilALaterStepHasReadIt) {
  Narrated n = RunNarrated(kWaitAfterBackup, /*keep=*/false);
  EXPECT_EQ(n.result.outcome, Outcome::kPass) << n.result.detail;
  const int stopped = n.Find("workload stopped after ");
  ASSERT_GE(stopped, 0) << ::testing::PrintToString(n.lines);
  EXPECT_GT(stopped, n.Find("step 3: wait_txns"));
  EXPECT_LT(stopped, n.Find("step 4: restore_check"));
}

}  // namespace
}  // namespace bdb::sim
