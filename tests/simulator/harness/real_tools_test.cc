// The copy tools people use on a live home, run through the real bdbsim
// binary as `method = "command"` at `expect = "pass"`: GNU tar and Python's
// shutil.copytree copy in directory order, which the trial's plan draws, so
// they fail the scenario on tmpfs and on a disk file system alike (the
// verdict no longer depends on where the sandbox lives). A script that
// copies the databases and then every log but the newest is caught in every
// trial whose copied pages reach past its copied logs.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/vfs.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "base/file_io.h"
#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

constexpr long kTmpfsMagic = 0x01021994;

std::string Scenario(const std::string& name, const std::string& command, int trials, const std::string& extra = "") {
  return "name = \"" + name + "\"\ndescription = \"a copy tool on a live home\"\nexpect = \"pass\"\ntrials = " +
         std::to_string(trials) +
         // A checkpoint every 5 commits: pages reach the disk, stamped with new
         // LSNs, while the tool copies, so a copy whose logs come first misses them.
         "\n[workload]\ntxns = 1200\ncheckpoint_every_txns = 5\n" + extra +
         "[backup]\nmethod = \"command\"\nstart_after_txns = 400\ncommand = " + command + "\n";
}

const char kTar[] = R"(["sh", "-c", "tar -C {home} --exclude='__db.*' -cf - . | tar -C {dest} -xf -"])";
const char kCopytree[] =
    R"x(["python3", "-c", "import shutil, sys; shutil.copytree(sys.argv[1], sys.argv[2], dirs_exist_ok=True, ignore=shutil.ignore_patterns('__db.*'))", "{home}", "{dest}"])x";

// Runs one scenario with its sandbox under `sandbox_root`; the report's only scenario.
nlohmann::json RunUnder(const std::string& sandbox_root, const TempDir& dir, const std::string& name,
                        const std::string& text, int* exit_code) {
  const std::string file = dir.Sub(name + ".toml");
  std::ofstream(file) << text;
  ::setenv("BDBSIM_SANDBOX", sandbox_root.c_str(), 1);
  ProcessResult r = RunProcess({BDBSIM_BIN, "run", file, "--jobs", "2", "--seed", "3", "--report", dir.Sub(name)});
  ::unsetenv("BDBSIM_SANDBOX");
  *exit_code = r.exit_code;
  std::string json;
  EXPECT_TRUE(ReadWholeFile(DefaultFileIO(), dir.Sub(name + "/report.json"), &json).ok()) << DescribeRun(r);
  return nlohmann::json::parse(json).at("scenarios").at(0);
}

struct ToolOnFileSystem {
  const char* tool;
  const char* command;
  bool tmpfs;
};

class DirectoryOrderToolTest : public ::testing::TestWithParam<ToolOnFileSystem> {};

TEST_P(DirectoryOrderToolTest, FailsAPassScenarioWhateverTheFileSystem) {
  const ToolOnFileSystem& p = GetParam();
  TempDir dir("real-tools");
  std::string root = dir.Sub("sandbox");
  if (p.tmpfs) {
    root = "/dev/shm";
  } else {
    ASSERT_TRUE(DefaultFileIO()->MakeDir(root, 0700).ok());
  }
  struct statfs fs {};
  ASSERT_EQ(::statfs(root.c_str(), &fs), 0);
  if (p.tmpfs && fs.f_type != kTmpfsMagic) GTEST_SKIP() << "/dev/shm is not tmpfs on this machine";
  if (!p.tmpfs && fs.f_type == kTmpfsMagic) GTEST_SKIP() << "the temporary directory is on tmpfs here";
  int exit_code = 0;
  const nlohmann::json s = RunUnder(root, dir, p.tool, Scenario(p.tool, p.command, 4), &exit_code);
  EXPECT_EQ(exit_code, 1) << s.dump(1);
  EXPECT_EQ(s.at("verdict"), "FAIL");
  int logs_first = 0, caught_logs_first = 0;
  for (const auto& t : s.at("trials")) {
    EXPECT_NE(t.at("listing_order"), "none seen") << "the tool lists the home, so the shim must see it";
    if (t.at("listing_order") != "logs_first") continue;
    ++logs_first;
    if (t.at("outcome") == "LOSS" || t.at("outcome") == "DETECTED") ++caught_logs_first;
  }
  EXPECT_GT(logs_first, 0) << "seed 3 draws logs first in some of the 4 trials";
  EXPECT_GT(caught_logs_first, 0) << s.dump(1);
}

INSTANTIATE_TEST_SUITE_P(TarAndCopytree, DirectoryOrderToolTest,
                         ::testing::Values(ToolOnFileSystem{"tar-tmpfs", kTar, true},
                                           ToolOnFileSystem{"tar-disk", kTar, false},
                                           ToolOnFileSystem{"copytree-tmpfs", kCopytree, true},
                                           ToolOnFileSystem{"copytree-disk", kCopytree, false}),
                         [](const auto& info) {
                           std::string name = info.param.tool;
                           for (char& c : name) c = c == '-' ? '_' : c;
                           return name;
                         });

TEST(LogsButTheNewestTest, IsCaughtInEveryTrialWhosePagesReachPastItsLogs) {
  TempDir dir("real-tools");
  const std::string program =
      std::string(BDBACKUP_SOURCE_DIR) + "/tests/simulator/harness/unsafe_programs/logs-but-newest.sh";
  int exit_code = 0;
  // Large log files: the newest one was being written while the databases were copied.
  const nlohmann::json s = RunUnder(dir.path(), dir, "logs-but-newest",
                                    Scenario("logs-but-newest", "[\"" + program + "\", \"{home}\", \"{dest}\"]", 5,
                                             "log_file_bytes = 4194304\n"),
                                    &exit_code);
  EXPECT_EQ(exit_code, 1);
  int uncovered = 0;
  for (const auto& t : s.at("trials")) {
    if (t.at("uncovered_pages").get<uint64_t>() == 0) continue;
    ++uncovered;
    EXPECT_EQ(t.at("outcome"), "DETECTED") << t.dump(1);
    EXPECT_NE(t.at("detail").get<std::string>().find("breaks the coverage invariant: database '"), std::string::npos);
  }
  EXPECT_GT(uncovered, 0) << s.dump(1);
}

}  // namespace
}  // namespace bdb
