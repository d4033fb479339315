// bdbsim follows symbolic links in the paths a user names: a --report
// directory under a linked parent (`reports -> /srv/reports`), a sandbox root
// (BDBSIM_SANDBOX) that is a link, a merge --report under a link. One cheap
// trial each, run by the real binary.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb {
namespace {

const std::string kScenario = std::string(BDBACKUP_SOURCE_DIR) + "/scenarios/cold-backup-quiet.toml";

TEST(BdbsimPathsTest, ReportAndSandboxThroughLinks) {
  TempDir tmp("bdbsim-paths");
  ASSERT_EQ(::mkdir(tmp.Sub("reports").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(tmp.Sub("sandboxes").c_str(), 0755), 0);
  ASSERT_EQ(::symlink(tmp.Sub("reports").c_str(), tmp.Sub("reports-link").c_str()), 0);
  ASSERT_EQ(::symlink(tmp.Sub("sandboxes").c_str(), tmp.Sub("sandbox-link").c_str()), 0);
  ProcessResult r =
      RunProcess({"env", "BDBSIM_SANDBOX=" + tmp.Sub("sandbox-link"), BDBSIM_BIN, "run", kScenario, "--trials", "1",
                  "--jobs", "1", "--seed", "3", "--report", tmp.Sub("reports-link/shard-1")});
  ASSERT_EQ(r.exit_code, 0) << DescribeRun(r);
  EXPECT_FALSE(ReadFileContents(tmp.Sub("reports/shard-1/report.json")).empty());
  // A merge written under the link, from a shard read through it.
  r = RunProcess({BDBSIM_BIN, "merge", tmp.Sub("reports-link/shard-1"), "--report", tmp.Sub("reports-link/merged")});
  ASSERT_EQ(r.exit_code, 0) << DescribeRun(r);
  EXPECT_FALSE(ReadFileContents(tmp.Sub("reports/merged/report.json")).empty());
  struct stat st;
  EXPECT_EQ(::lstat(tmp.Sub("reports-link").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode)) << "the link was replaced";
}

}  // namespace
}  // namespace bdb
