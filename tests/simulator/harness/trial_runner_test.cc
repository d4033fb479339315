// RunTrial on small inline scenarios (outcome classes, determinism), and the
// real bdbsim binary as a user runs it: run, bad scenario, shards + merge,
// replay.
#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>
#include <regex>
#include <set>
#include <tuple>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "simulator/plan/trial_plan.h"
#include "tests/support/trial_helpers.h"
#include <nlohmann/json.hpp>

#include "base/file_io.h"
#include "simulator/plan/scenario.h"
#include "simulator/harness/trial_runner.h"
#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb::sim {
namespace {

const char* kHot = R"(name = "h11-hot"
description = "hot backup under load"
expect = "pass"
trials = 2

[workload]
txns = 300
# A checkpoint every 5 commits: database pages are written during even a short copy.
checkpoint_every_txns = 5

[backup]
mode = "hot"
start_after_txns = 100
)";

const char* kIoError = R"(name = "h11-io"
description = "the first backup write fails"
expect = "pass"
trials = 2

[workload]
txns = 300
# A checkpoint every 5 commits: database pages are written during even a short copy.
checkpoint_every_txns = 5

[backup]
mode = "hot"
start_after_txns = 100

[faults]
io_error = { points = ["write"], errno = "EIO", at = [1, 1] }
)";

// The determinism test draws from real ranges: which call fails, and when.
const char* kIoErrorRange = R"(name = "h11-io-range"
description = "one of the first 30 reads, writes or fsyncs of the backup fails"
expect = "pass"
trials = 2

[workload]
txns = 300
checkpoint_every_txns = 5

[backup]
mode = "hot"
start_after_txns = 100

[faults]
io_error = { points = ["read", "write", "fsync"], errno = "EIO", at = [1, 30] }
)";

const char* kTorn = R"(name = "h11-torn"
description = "unverified copier under torn reads"
expect = "caught"

[workload]
txns = 3000
value_bytes = [500, 2000]
checksums = true

[backup]
mode = "hot"
copier = "unverified"
start_after_txns = 300

[faults]
torn_read = { boundary_bytes = 512, order = "both", pages = [8, 16] }
)";

// The workload's 800th fsync under BDB fails: well after the backup (20
// txns), well before its 2,000 sync commits end (group commit of 2 threads
// at most halves their log fsyncs). Usually the commit or checkpoint that
// asked for it fails and the workload stops; rarely BDB absorbs it (its
// RETRY_CHK retries EIO and the retry succeeds; seen once in a fresh-clone run).
const char* kWorkloadIoError = R"(name = "h11-workload-io"
description = "an fsync under BDB in the workload fails"
expect = "pass"

[workload]
txns = 2000

[faults]
workload_io_error = { points = ["fsync"], errno = "EIO", at = [800, 800] }

[[steps]]
action = "wait_txns"
txns = 20

[[steps]]
action = "backup"

[[steps]]
action = "wait_txns"
txns = 2000

[[steps]]
action = "restore_check"

[[steps]]
action = "recover_check"
)";

Scenario Load(const std::string& toml) { return LoadInlineScenario(toml); }
RunnerOptions Options() { return TestRunnerOptions(); }

// Fault details without sandbox paths (they hold a random mkdtemp suffix).
std::vector<std::string> Faults(const TrialResult& r) {
  static const std::regex sandbox("/[^ ']*/bdbsim-[^ '/]*");
  std::vector<std::string> out;
  for (const auto& f : r.faults) out.push_back(f.kind + ": " + std::regex_replace(f.detail, sandbox, "<sandbox>"));
  return out;
}

TEST(TrialRunner, HotBackupPasses) {
  TrialResult r = RunTrial(Load(kHot), 11, 0, Options());
  EXPECT_EQ(r.outcome, Outcome::kPass) << r.detail;
  EXPECT_GT(r.acked, 0u);
  EXPECT_GT(r.checked, 0u);
  EXPECT_EQ(r.missing, 0u);
  EXPECT_TRUE(r.faults.empty());
  EXPECT_EQ(r.sandbox, "");  // a passing trial leaves nothing behind
  // The token carries the outcome (P) and which planned faults fired.
  EXPECT_EQ(r.replay, "bdbsim replay h11-hot.000000000000000b.P" + fmt::format("{:08x}", FaultSignature(r.exercise)));
  ASSERT_EQ(r.exercise.size(), 1u);
  EXPECT_EQ(r.exercise[0].kind, "copy_under_load");
  EXPECT_TRUE(r.exercise[0].fired) << r.exercise[0].hit;
}

TEST(TrialRunner, IoErrorIsACleanFailure) {
  TrialResult r = RunTrial(Load(kIoError), 5, 0, Options());
  EXPECT_EQ(r.outcome, Outcome::kCleanFailure) << r.detail;
  EXPECT_TRUE(r.exercised.value_or(false));
  EXPECT_NE(r.detail.find("backup failed cleanly on an injected i/o error, nothing published"), std::string::npos)
      << r.detail;
  ASSERT_FALSE(r.faults.empty());
}

// The workload meets the error and stops; the trial goes on as after a crash:
// the backup taken before restores, recovery of the live environment keeps
// every acknowledged commit, and the timeline shows the armed and fired fault.
TEST(TrialRunner, WorkloadIoErrorStopsTheWorkloadAndRecoveryKeepsEveryAck) {
  TrialResult r = RunTrial(Load(kWorkloadIoError), 3, 0, Options());
  EXPECT_EQ(r.outcome, Outcome::kPass) << r.detail;
  EXPECT_EQ(r.missing, 0u);
  const std::vector<std::string> faults = Faults(r);
  ASSERT_GE(faults.size(), 2u) << ::testing::PrintToString(faults);
  EXPECT_EQ(faults[0], "io_error: armed: workload fsync #800 fails with EIO");
  // The fault fired, and the timeline says how the workload took it.
  const std::string& fired = faults.back();
  const bool stopped = fired.rfind("io_error: workload fsync #800 failed; the workload stopped after ", 0) == 0;
  const bool absorbed = fired == "io_error: workload fsync #800 failed; BDB absorbed it and the workload went on";
  EXPECT_TRUE(stopped || absorbed) << ::testing::PrintToString(faults);
  // How it stopped: BDB's error and exit code 4, or (rarely) BDB dying in its error path.
  if (stopped) {
    EXPECT_TRUE(fired.find("(exit code ") != std::string::npos || fired.find("(killed by signal ") != std::string::npos)
        << fired;
  }
  EXPECT_NE(r.detail.find("recovery after crash: ok"), std::string::npos) << r.detail;
}

TEST(TrialRunner, SameScenarioAndSeedSameOutcomeAndFaults) {
  const Scenario sc = Load(kIoErrorRange);
  std::set<std::pair<IoPoint, uint64_t>> drawn;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const AgentFaultPlan a = PlanTrial(sc, seed).agent.at(2);
    drawn.insert({a.io_point, a.io_nth});
  }
  EXPECT_GT(drawn.size(), 10u) << "the seed must choose among many failing calls";
  TrialResult one = RunTrial(sc, 77, 0, Options());
  TrialResult two = RunTrial(sc, 77, 0, Options());
  EXPECT_EQ(one.outcome, two.outcome);
  EXPECT_EQ(Faults(one), Faults(two));
  EXPECT_FALSE(Faults(one).empty());
  EXPECT_EQ(one.replay, two.replay);
}

// A trial the harness cannot carry out (here: no sandbox) is a HARNESS_ERROR:
// never counted as caught, and it fails any scenario.
TEST(TrialRunner, SetupFailureIsAHarnessErrorNotACatch) {
  RunnerOptions o = Options();
  o.sandbox_root = "/dev/null/not-a-directory";
  TrialResult r = RunTrial(Load(kTorn), 1, 0, o);
  EXPECT_EQ(r.outcome, Outcome::kHarnessError);
  EXPECT_FALSE(r.explained);
  EXPECT_EQ(r.detail.rfind("trial setup: unable to create trial sandbox", 0), 0u) << r.detail;
  EXPECT_FALSE(TrialCaught(r));
}

// Tears land only on pages rewritten during the copy: up to three seeds. A
// trial the harness could not carry out (a wait timed out under a loaded
// machine) is not a catch; the next seed runs.
TEST(TrialRunner, UnverifiedCopierUnderTornReadsIsCaught) {
  const Scenario sc = Load(kTorn);
  std::vector<std::string> outcomes;
  bool caught = false;
  for (uint64_t seed = 1; seed <= 3 && !caught; ++seed) {
    TrialResult r = RunTrial(sc, seed, 0, Options());
    outcomes.push_back(std::string(OutcomeName(r.outcome)) + ": " + r.detail);
    caught = TrialCaught(r);
    if (r.outcome == Outcome::kHarnessError || r.outcome == Outcome::kHang) continue;
    bool torn = false;
    for (const auto& f : r.faults) torn |= f.kind == "torn_read";
    EXPECT_TRUE(torn) << "seed " << seed << ": " << outcomes.back() << "\n" << ::testing::PrintToString(Faults(r));
  }
  EXPECT_TRUE(caught) << ::testing::PrintToString(outcomes);
}

// The real binary, as a user runs it.
class BdbsimCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_.Sub("a.toml")) << kHot;
    std::ofstream(dir_.Sub("b.toml")) << kIoError;
    ASSERT_EQ(::mkdir(dir_.Sub("scenarios").c_str(), 0700), 0);
    std::rename(dir_.Sub("a.toml").c_str(), dir_.Sub("scenarios/a.toml").c_str());
    std::rename(dir_.Sub("b.toml").c_str(), dir_.Sub("scenarios/b.toml").c_str());
    // Sandboxes kept by replay go here, and are removed with dir_.
    ::setenv("BDBSIM_SANDBOX", dir_.path().c_str(), 1);
  }
  void TearDown() override { ::unsetenv("BDBSIM_SANDBOX"); }

  ProcessResult Run(std::vector<std::string> extra) {
    std::vector<std::string> argv = {BDBSIM_BIN};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunProcess(argv);
  }
  // (scenario, seed, outcome) of every trial in a report.json.
  std::set<std::tuple<std::string, std::string, std::string>> Trials(const std::string& report_dir) {
    std::string text;
    EXPECT_TRUE(ReadWholeFile(DefaultFileIO(), report_dir + "/report.json", &text).ok());
    nlohmann::json j = nlohmann::json::parse(text);
    std::set<std::tuple<std::string, std::string, std::string>> out;
    for (const auto& sc : j.at("scenarios"))
      for (const auto& t : sc.at("trials"))
        out.insert({sc.at("name").get<std::string>(), t.at("seed").dump(), t.at("outcome").get<std::string>()});
    return out;
  }

  TempDir dir_{"h11-bdbsim"};
};

// A sandbox root that is not a directory is one line and exit 2 before any
// trial runs, not a harness error in every trial.
TEST_F(BdbsimCli, ASandboxRootThatIsNotADirectoryIsBadInput) {
  const std::string absent = dir_.Sub("no-such-dir");
  ::setenv("BDBSIM_SANDBOX", absent.c_str(), 1);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"run", dir_.Sub("scenarios"), "--trials", "1", "--report", dir_.Sub("never")},
        std::vector<std::string>{"replay", "h11-hot.0000000000000001", "--scenarios", dir_.Sub("scenarios")}}) {
    ProcessResult r = Run(args);
    EXPECT_EQ(r.exit_code, 2) << args[0] << ": " << r.out << r.err;
    EXPECT_EQ(r.err, "bdbsim: error: trial sandbox root '" + absent + "' (BDBSIM_SANDBOX) is not a directory\n")
        << args[0];
  }
  FileInfo info;
  ASSERT_TRUE(DefaultFileIO()->Stat(dir_.Sub("never"), &info).ok());
  EXPECT_FALSE(info.exists);
}

TEST_F(BdbsimCli, RunShardMergeAndReplay) {
  const std::string scenarios = dir_.Sub("scenarios");
  ProcessResult all = Run({"run", scenarios, "--trials", "2", "--jobs", "2", "--report", dir_.Sub("R")});
  ASSERT_EQ(all.exit_code, 0) << all.out << all.err;
  for (const char* f : {"report.json", "junit.xml", "report.html"}) {
    FileInfo info;
    ASSERT_TRUE(DefaultFileIO()->Stat(dir_.Sub(std::string("R/") + f), &info).ok());
    EXPECT_TRUE(info.exists) << f;
  }
  const auto unsharded = Trials(dir_.Sub("R"));
  ASSERT_EQ(unsharded.size(), 4u);
  std::set<std::string> outcomes;
  for (const auto& t : unsharded) outcomes.insert(std::get<0>(t) + " " + std::get<2>(t));
  EXPECT_EQ(outcomes, (std::set<std::string>{"h11-hot PASS", "h11-io CLEAN_FAILURE"}));

  ProcessResult s1 = Run({"run", scenarios, "--trials", "2", "--jobs", "2", "--shard", "1/2", "--report", dir_.Sub("R1")});
  ProcessResult s2 = Run({"run", scenarios, "--trials", "2", "--jobs", "2", "--shard", "2/2", "--report", dir_.Sub("R2")});
  ASSERT_EQ(s1.exit_code, 0) << s1.err;
  ASSERT_EQ(s2.exit_code, 0) << s2.err;
  auto t1 = Trials(dir_.Sub("R1")), t2 = Trials(dir_.Sub("R2"));
  for (const auto& t : t1) EXPECT_EQ(t2.count(t), 0u) << "shards overlap";
  ProcessResult merged = Run({"merge", dir_.Sub("R1"), dir_.Sub("R2"), "--report", dir_.Sub("M")});
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  EXPECT_EQ(Trials(dir_.Sub("M")), unsharded);

  // Replay the first io-error trial: same outcome, and its faults narrated.
  std::string text;
  ASSERT_TRUE(ReadWholeFile(DefaultFileIO(), dir_.Sub("R/report.json"), &text).ok());
  std::string replay;
  const nlohmann::json report = nlohmann::json::parse(text);
  for (const auto& sc : report.at("scenarios"))
    if (sc.at("name").get<std::string>() == "h11-io") replay = sc.at("trials").at(0).at("replay").get<std::string>();
  ASSERT_EQ(replay.rfind("bdbsim replay ", 0), 0u) << text;
  ProcessResult again = Run({"replay", replay.substr(14), "--scenarios", scenarios});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out.rfind("h11-io: CLEAN_FAILURE", 0), 0u) << again.out;
  EXPECT_NE(again.err.find("fault io_error"), std::string::npos) << again.err;
}

TEST_F(BdbsimCli, BadScenarioExitsTwoNamingFileLineAndKey) {
  const std::string bad = dir_.Sub("bad.toml");
  std::ofstream(bad) << "name = \"x\"\ndescription = \"d\"\nexpect = \"pass\"\n\n[workload]\nthread = 2\n";
  ProcessResult r = Run({"run", bad, "--report", dir_.Sub("never")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(bad + ":6: key 'workload.thread' is not a known key"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace bdb::sim
