// CommittedEnvCliTest: the fixture of CLI tests that drive the real bdbackup
// against one test environment (checksummed pages, 64 KiB logs, 300 commits
// to start with) and one repository, and check that a restored environment
// holds every commit acknowledged before a point.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/run_process.h"
#include "tests/support/test_env.h"

namespace bdb {

class CommittedEnvCliTest : public ::testing::Test {
 protected:
  explicit CommittedEnvCliTest(const std::string& temp_prefix) : tmp_(temp_prefix) {}

  void SetUp() override {
    home_ = tmp_.Sub("home");
    repo_ = tmp_.Sub("repo");
    TestEnvOptions opts;
    opts.checksums = true;
    opts.log_file_bytes = 64 * 1024;
    ASSERT_TRUE(CreateTestEnvironment(home_, opts).ok());
    Commit(300);
  }
  // n more acknowledged commits.
  void Commit(int n) { ASSERT_TRUE(CommitMore(home_, n, &used_ids_, &acked_).ok()); }
  // bdbackup args --json, which must exit 0; its parsed output.
  nlohmann::json Ok(std::vector<std::string> args) {
    args.push_back("--json");
    ProcessResult r = RunBdbackup(std::move(args));
    EXPECT_EQ(r.exit_code, 0) << DescribeRun(r);
    return nlohmann::json::parse(r.out, nullptr, false);
  }
  // The first `promised` acknowledged commits are in home's btree.
  void ExpectHolds(const std::string& home, size_t promised) {
    std::map<std::string, std::string> a;
    ASSERT_TRUE(ReadDatabase(home, kBtreeDb, &a).ok());
    for (size_t i = 0; i < promised; ++i) ASSERT_EQ(a[TestKey(acked_[i])], TestValue(acked_[i])) << home;
  }

  TempDir tmp_;
  std::string home_, repo_;
  std::vector<uint64_t> acked_;
  uint64_t used_ids_ = 0;
};

}  // namespace bdb
