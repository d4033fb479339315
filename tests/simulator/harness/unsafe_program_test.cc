// Backup programs that are unsafe in known ways, run as `method = "command"`
// at `expect = "pass"` through the real bdbsim binary: each must FAIL the
// scenario (exit 1). One leaves a backup catastrophic recovery refuses with
// no fault injected (an unexplained DETECTED); one copies database files
// 1 KiB at a time, slowly, while the workload keeps committing (torn pages).
// Also: a replay answers "reproduced" or "not reproduced: ..." with exit 1.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "base/file_io.h"
#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

std::string Program(const std::string& name) {
  return std::string(BDBACKUP_SOURCE_DIR) + "/tests/simulator/harness/unsafe_programs/" + name;
}

std::string CommandScenario(const std::string& name, const std::string& program, int txns, int trials) {
  return "name = \"" + name + "\"\n" +
         "description = \"an unsafe backup program\"\n"
         "expect = \"pass\"\n"
         "trials = " + std::to_string(trials) + "\n"
         "[workload]\n"
         "txns = " +
         std::to_string(txns) +
         "\n"
         "threads = 2\n"
         "cache_bytes = 65536\n"
         "value_bytes = [512, 2048]\n"
         "[backup]\n"
         "method = \"command\"\n"
         "start_after_txns = 300\n"
         "command = [\"" +
         program + "\", \"{home}\", \"{dest}\"]\n";
}

class UnsafeProgramTest : public ::testing::Test {
 protected:
  void SetUp() override { ::setenv("BDBSIM_SANDBOX", dir_.path().c_str(), 1); }
  void TearDown() override { ::unsetenv("BDBSIM_SANDBOX"); }

  ProcessResult RunScenario(const std::string& name, const std::string& text) {
    const std::string file = dir_.Sub(name + ".toml");
    std::ofstream(file) << text;
    return RunProcess({BDBSIM_BIN, "run", file, "--jobs", "2", "--seed", "5", "--report", dir_.Sub(name + "-report")});
  }
  nlohmann::json Report(const std::string& name) {
    std::string text;
    EXPECT_TRUE(ReadWholeFile(DefaultFileIO(), dir_.Sub(name + "-report/report.json"), &text).ok());
    return nlohmann::json::parse(text).at("scenarios").at(0);
  }

  TempDir dir_{"unsafe-programs"};
};

TEST_F(UnsafeProgramTest, BackupsRecoveryRefusesFailAPassScenario) {
  ProcessResult run = RunScenario("stale-logs", CommandScenario("stale-logs", Program("stale-logs-copy.sh"), 1500, 2));
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  const nlohmann::json s = Report("stale-logs");
  EXPECT_EQ(s.at("verdict"), "FAIL");
  for (const auto& t : s.at("trials")) {
    EXPECT_EQ(t.at("outcome"), "DETECTED") << t.dump();
    EXPECT_FALSE(t.at("explained").get<bool>()) << "no fault was injected: nothing can explain it";
  }
  EXPECT_NE(run.out.find("(unexplained)"), std::string::npos) << run.out;

  // The replay of trial 0 reproduces it; the same token claiming another
  // outcome does not, and says what differed.
  const std::string token = s.at("trials").at(0).at("replay").get<std::string>().substr(14);
  ProcessResult same = RunProcess({BDBSIM_BIN, "replay", token, "--scenarios", dir_.Sub("stale-logs.toml")});
  EXPECT_EQ(same.exit_code, 0) << same.out << same.err;
  EXPECT_NE(same.out.find("\nreproduced\n"), std::string::npos) << same.out;
  std::string changed = token;
  changed[changed.size() - 9] = 'P';
  ProcessResult other = RunProcess({BDBSIM_BIN, "replay", changed, "--scenarios", dir_.Sub("stale-logs.toml")});
  EXPECT_EQ(other.exit_code, 1) << other.out << other.err;
  EXPECT_NE(other.out.find("not reproduced: outcome DETECTED (unexplained), the original was PASS"), std::string::npos)
      << other.out;
}

TEST_F(UnsafeProgramTest, SlowKilobyteCopierUnderLoadFailsAPassScenario) {
  // A torn page needs a page rewritten between two of its block reads: some
  // trials get lucky (3 of 18 seen passing), so four trials make the verdict
  // certain but for well under 1%. The harness keeps the workload committing
  // for the whole copy, past its target; the target is only what it commits
  // after the copy, which nothing here reads: 400, not 1500. The copy itself
  // is bounded in time by the program.
  ProcessResult run = RunScenario("slow-kb", CommandScenario("slow-kb", Program("slow-kb-copy.sh"), 400, 4));
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  const nlohmann::json s = Report("slow-kb");
  EXPECT_EQ(s.at("verdict"), "FAIL");
  int failed = 0;
  for (const auto& t : s.at("trials")) {
    // The workload kept committing for the whole copy.
    bool loaded = false;
    for (const auto& e : t.at("exercise")) loaded |= e.at("kind") == "copy_under_load" && e.at("fired").get<bool>();
    EXPECT_TRUE(loaded) << t.dump();
    failed += t.at("outcome") == "LOSS" || (t.at("outcome") == "DETECTED" && !t.at("explained").get<bool>());
  }
  EXPECT_GE(failed, 1) << s.dump();
}

}  // namespace
}  // namespace bdb
