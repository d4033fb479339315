// tools/cluster_demo.sh on a small campaign: a one-node Slurm started under a
// temporary directory runs `bdbsim run --shard K/2` as a job array and
// `bdbsim merge` after it; the merged report holds exactly the unsharded
// run's trials (scenario, index, seed) with equal outcomes. Skipped, with the
// reason, only where Slurm cannot start here (the script's exit 3). Also: the
// Slurm recipe of docs/cluster.md is the script's, line for line.
#include <gtest/gtest.h>

#include <sstream>

#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

const std::string kSource = BDBACKUP_SOURCE_DIR;

// The lines between "# recipe:begin" and "# recipe:end" of the script.
std::vector<std::string> ScriptRecipe() {
  std::istringstream in(ReadFileContents(kSource + "/tools/cluster_demo.sh"));
  std::vector<std::string> lines;
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# recipe:end", 0) == 0) inside = false;
    if (inside) lines.push_back(line);
    if (line.rfind("# recipe:begin", 0) == 0) inside = true;
  }
  return lines;
}

TEST(ClusterDemoTest, TheDocumentedSlurmRecipeIsWhatTheDemoRuns) {
  const std::vector<std::string> recipe = ScriptRecipe();
  ASSERT_EQ(recipe.size(), 2u);
  const std::string doc = ReadFileContents(kSource + "/docs/cluster.md");
  for (const std::string& line : recipe) EXPECT_NE(doc.find("  " + line + "\n"), std::string::npos) << line;
}

TEST(ClusterDemoTest, ShardedThroughSlurmMergesIntoTheUnshardedReport) {
  TempDir tmp("bdbackup-cluster");
  const std::string build = std::string(BDBSIM_BIN).substr(0, std::string(BDBSIM_BIN).rfind("/bin/"));
  ProcessResult r = RunProcess({kSource + "/tools/cluster_demo.sh", build, "--shards", "2", "--seed", "7", "--trials",
                                "2", "--out", tmp.Sub("out"), kSource + "/scenarios/cold-backup-quiet.toml",
                                kSource + "/scenarios/io-errors-during-backup.toml"});
  if (r.exit_code == 3) GTEST_SKIP() << "Slurm cannot start on this machine: " << r.err;
  ASSERT_EQ(r.exit_code, 0) << DescribeRun(r) << "\n" << r.out;
  EXPECT_NE(r.out.find("4 trials in both, the same (scenario, index, seed)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("the merged report holds exactly the unsharded run's trials"), std::string::npos) << r.out;
  // Both shards really ran as array tasks and wrote their slices.
  for (const char* shard : {"out/results/shard-1/report.json", "out/results/shard-2/report.json"})
    EXPECT_FALSE(ReadFileContents(tmp.Sub(shard)).empty()) << shard;
}

}  // namespace
}  // namespace bdb
