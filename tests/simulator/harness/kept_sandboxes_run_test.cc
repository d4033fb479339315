// `bdbsim run` keeps the sandboxes of failing trials within its bound, on
// disk, and says so: three failing trials (an external "backup" that copies
// only DB_CONFIG, at expect = "pass") run in sandboxes under /dev/shm with
// --keep-sandboxes 2: the oldest is dropped, the two kept are moved to the
// report directory, nothing stays in memory, and the table, report.json,
// junit.xml and report.html name them.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "base/file_io.h"
#include "simulator/harness/sandbox_keeper.h"
#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

constexpr const char* kFailingScenario = R"(name = "copies-nothing"
description = "a backup program that copies only DB_CONFIG: every restore fails"
expect = "pass"
trials = 3
[workload]
txns = 200
[backup]
method = "command"
start_after_txns = 100
command = ["cp", "{home}/DB_CONFIG", "{dest}"]
)";

TEST(KeptSandboxesRunTest, FailingTrialsKeptWithinTheBoundOnDiskAndReported) {
  TempDir dir("kept-sandboxes");
  if (!sim::OnMemoryFileSystem("/dev/shm") || sim::OnMemoryFileSystem(dir.path()))
    GTEST_SKIP() << "needs /dev/shm on a tmpfs and " << dir.path() << " on disk";
  char templ[] = "/dev/shm/kept-sandboxes-XXXXXX";
  ASSERT_NE(::mkdtemp(templ), nullptr);
  const std::string shm = templ;
  std::strcpy(templ, "/dev/shm/kept-sandboxes-XXXXXX");  // for the replay's root below
  std::ofstream(dir.Sub("copies-nothing.toml")) << kFailingScenario;
  const std::string report = dir.Sub("report");
  ::setenv("BDBSIM_SANDBOX", shm.c_str(), 1);
  ProcessResult run = RunProcess({BDBSIM_BIN, "run", dir.Sub("copies-nothing.toml"), "--jobs", "1", "--seed", "3",
                                  "--keep-sandboxes", "2", "--report", report});
  ::unsetenv("BDBSIM_SANDBOX");
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;

  std::vector<std::string> left;
  ASSERT_TRUE(DefaultFileIO()->ListDir(shm, &left).ok());
  EXPECT_TRUE(left.empty()) << "left in memory: " << left.front();
  RemoveTree(DefaultFileIO(), shm);

  const nlohmann::json j = nlohmann::json::parse(ReadFileContents(JoinPath(report, "report.json")));
  EXPECT_EQ(j.at("settings").at("keep_sandboxes"), 2);
  EXPECT_EQ(j.at("settings").at("keep_sandboxes_mib"), 2048);
  EXPECT_EQ(j.at("settings").at("sandbox_root"), shm);
  EXPECT_EQ(j.at("settings").at("sandbox_root_in_memory"), true);
  EXPECT_EQ(j.at("settings").at("kept_sandboxes_in"), JoinPath(report, "sandboxes"));
  const nlohmann::json& trials = j.at("scenarios").at(0).at("trials");
  ASSERT_EQ(trials.size(), 3u);
  // --jobs 1: trial 0 ended first, so it is the oldest, dropped for the newer two.
  EXPECT_EQ(trials[0].at("sandbox"), "");
  EXPECT_EQ(trials[0].at("sandbox_dropped"), "dropped for the bound: newer sandboxes were kept (at most 2)");
  EXPECT_GT(trials[0].at("sandbox_bytes").get<uint64_t>(), 0u);
  for (int i = 1; i < 3; ++i) {
    const std::string kept = trials[i].at("sandbox").get<std::string>();
    EXPECT_EQ(kept.rfind(JoinPath(report, "sandboxes/bdbsim-copies-nothing-" + std::to_string(i) + "-"), 0), 0u)
        << kept;
    EXPECT_FALSE(sim::OnMemoryFileSystem(kept));
    EXPECT_FALSE(ReadFileContents(JoinPath(kept, "workload.json")).empty()) << "the sandbox came whole";
    EXPECT_GT(trials[i].at("sandbox_bytes").get<uint64_t>(), 0u);
    EXPECT_NE(run.out.find("    sandbox kept: " + kept + " ("), std::string::npos) << run.out;
  }
  EXPECT_NE(run.out.find("    sandbox ("), std::string::npos) << run.out;
  const std::string summary = "sandboxes of failing trials: 2 kept (";
  EXPECT_NE(run.out.find(summary), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("at most 2 and 2048 MiB, in " + JoinPath(report, "sandboxes") + " (on disk; moved from " +
                         shm + ", which is in memory); 1 dropped for the bound, oldest first"),
            std::string::npos)
      << run.out;
  EXPECT_NE(ReadFileContents(JoinPath(report, "junit.xml")).find(summary), std::string::npos);
  EXPECT_NE(ReadFileContents(JoinPath(report, "junit.xml")).find("sandbox kept: "), std::string::npos);
  EXPECT_NE(ReadFileContents(JoinPath(report, "report.html")).find("id=\"kept-sandboxes\""), std::string::npos);

  // A replay keeps its sandbox on disk too: in the cache directory.
  ASSERT_NE(::mkdtemp(templ), nullptr);
  const std::string replay_root = templ;
  const std::string token = trials[0].at("replay").get<std::string>().substr(std::string("bdbsim replay ").size());
  ::setenv("BDBSIM_SANDBOX", replay_root.c_str(), 1);
  ::setenv("XDG_CACHE_HOME", dir.Sub("cache").c_str(), 1);
  ProcessResult replay = RunProcess({BDBSIM_BIN, "replay", token, "--scenarios", dir.Sub("copies-nothing.toml")});
  ::unsetenv("BDBSIM_SANDBOX");
  ::unsetenv("XDG_CACHE_HOME");
  EXPECT_EQ(replay.exit_code, 0) << replay.out << replay.err;
  EXPECT_NE(replay.out.find("sandbox kept: " + dir.Sub("cache/bdbsim/sandboxes/bdbsim-copies-nothing-0-")),
            std::string::npos)
      << replay.out;
  left.clear();
  ASSERT_TRUE(DefaultFileIO()->ListDir(replay_root, &left).ok());
  EXPECT_TRUE(left.empty()) << "left in memory: " << left.front();
  RemoveTree(DefaultFileIO(), replay_root);
}

// A bad bound is bad usage, refused before any trial runs.
TEST(KeptSandboxesRunTest, NegativeBoundIsBadUsage) {
  ProcessResult run = RunProcess({BDBSIM_BIN, "run", "--keep-sandboxes", "-1"});
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  run = RunProcess({BDBSIM_BIN, "run", "--keep-sandboxes-mib", "x"});
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
}

}  // namespace
}  // namespace bdb
