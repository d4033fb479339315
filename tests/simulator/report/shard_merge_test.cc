// Sharding (disjoint, covering slices of the trials) and merging shard reports
// back into the report the unsharded run would have written.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <stdlib.h>

#include "base/file_io.h"
#include "simulator/report/report_json.h"
#include "simulator/report/report_merge.h"
#include "simulator/report/shard.h"

namespace bdb::sim {
namespace {

using nlohmann::json;

TEST(ShardTest, ParseShardAccepts) {
  int k = 0, n = 0;
  ASSERT_TRUE(ParseShard("2/4", &k, &n).ok());
  EXPECT_EQ(k, 2);
  EXPECT_EQ(n, 4);
  ASSERT_TRUE(ParseShard("1/1", &k, &n).ok());
  EXPECT_EQ(k, 1);
  EXPECT_EQ(n, 1);
  ASSERT_TRUE(ParseShard("007/10", &k, &n).ok());
  EXPECT_EQ(k, 7);
  EXPECT_EQ(ShardName(3, 8), "3/8");
}

TEST(ShardTest, ParseShardRejects) {
  for (const std::string bad : {"5/4", "0/4", "1/0", "0/0", "", "/", "2/", "/4", "2", "2/4/1", "-1/4", "+1/4", " 1/4",
                                "1/4 ", "1 /4", "a/b", "1/99999999999", "2.0/4"}) {
    int k = -1, n = -1;
    Status s = ParseShard(bad, &k, &n);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << bad;
    EXPECT_EQ(s.message(), "--shard must be K/N with 1 <= K <= N, got '" + bad + "'");
    EXPECT_EQ(k, -1);
    EXPECT_EQ(n, -1);
  }
}

TEST(ShardTest, DisjointAndCovering) {
  rc::check("every trial is in exactly one shard", [](const std::vector<std::string>& names) {
    const int n = *rc::gen::inRange(1, 17);
    const int trials = *rc::gen::inRange(0, 60);
    for (const std::string& name : names) {
      std::vector<int> per_shard(n + 1, 0);
      for (int i = 0; i < trials; ++i) {
        int owners = 0;
        for (int k = 1; k <= n; ++k) {
          if (InShard(k, n, name, i)) {
            ++owners;
            ++per_shard[k];
          }
        }
        RC_ASSERT(owners == 1);
      }
      // Round-robin within a scenario: shard sizes differ by at most one.
      int lo = trials, hi = 0;
      for (int k = 1; k <= n; ++k) lo = std::min(lo, per_shard[k]), hi = std::max(hi, per_shard[k]);
      RC_ASSERT(hi - lo <= 1);
    }
  });
}

TEST(ShardTest, Stable) {
  // Pinned: CI matrices rely on a trial staying in its shard across releases.
  std::string owners;
  for (int i = 0; i < 8; ++i) {
    for (int k = 1; k <= 4; ++k) {
      if (InShard(k, 4, "hot-backup-under-load", i)) owners += std::to_string(k);
    }
  }
  EXPECT_EQ(owners, "23412341");
}

// A random unsharded report with trials numbered 0..count-1 per scenario.
RunReport GenReport() {
  RunReport r;
  const int scenarios = *rc::gen::inRange(1, 5);
  for (int s = 0; s < scenarios; ++s) {
    ScenarioResult sc;
    sc.name = "scenario-" + std::to_string(s) + *rc::gen::element<std::string>("", "-x", "<&>");
    sc.description = "d" + std::to_string(s);
    sc.expect = *rc::gen::element<std::string>("pass", "caught");
    sc.file = "scenarios/" + std::to_string(s) + ".toml";
    const int trials = *rc::gen::inRange(0, 25);
    for (int i = 0; i < trials; ++i) {
      TrialResult t;
      t.scenario = sc.name;
      t.index = i;
      t.seed = TrialSeed(7, sc.name, i);
      t.outcome = *rc::gen::element(Outcome::kPass, Outcome::kDetected, Outcome::kCleanFailure, Outcome::kLoss);
      t.explained = *rc::gen::arbitrary<bool>();
      t.replay = ReplayLine(sc.name, t.seed);
      t.duration_ms = *rc::gen::inRange(1, 100000) / 8.0;
      t.recovery_ms = *rc::gen::inRange(0, 5000) / 4.0;
      t.acked = *rc::gen::inRange(0, 3000);
      if (t.outcome == Outcome::kLoss) t.faults.push_back({12.5, "crash", "SIGKILL"});
      sc.trials.push_back(t);
    }
    r.scenarios.push_back(sc);
  }
  r.settings = {{"seed", 7}, {"trials", 25}, {"jobs", 4}, {"command_line", {"bdbsim", "run", "--seed", "7"}}};
  r.versions = {{"bdbsim", "0.1.0"}, {"berkeley_db", "5.3.28"}};
  r.wall_ms = 1000;
  r.started_at = "2026-11-23T18:15:00Z";
  return r;
}

// Shard k of n of a report, as `bdbsim run --shard k/n` would have written it
// (every scenario listed, possibly with no trials), passed through JSON text.
RunReport ShardOf(const RunReport& full, int k, int n) {
  RunReport shard = full;
  for (ScenarioResult& s : shard.scenarios) {
    std::vector<TrialResult> kept;
    for (const TrialResult& t : s.trials) {
      if (InShard(k, n, s.name, t.index)) kept.push_back(t);
    }
    s.trials = kept;
  }
  shard.settings["shard"] = ShardName(k, n);
  shard.settings["jobs"] = k;  // per-process settings may differ
  shard.settings["command_line"] = {"bdbsim", "run", "--seed", "7", "--shard", ShardName(k, n)};
  shard.wall_ms = 100 * k;
  shard.started_at = "2026-11-23T18:15:0" + std::to_string(k) + "Z";
  RunReport parsed;
  Status s = ReportFromJson(json::parse(ReportToJson(shard).dump()), &parsed);
  RC_ASSERT(s.ok());
  return parsed;
}

json WithoutTimings(const RunReport& r) {
  json j = ReportToJson(r);
  j.erase("timings");
  j["settings"].erase("jobs");
  return j;
}

TEST(MergeTest, MergingShardsGivesTheUnshardedReport) {
  rc::check("merge(shards(report)) == report", [] {
    RunReport full = GenReport();
    const int n = *rc::gen::inRange(1, 7);
    std::vector<RunReport> shards;
    for (int k = 1; k <= n; ++k) shards.push_back(ShardOf(full, k, n));
    // Shards arrive in any order.
    std::vector<RunReport> shuffled = shards;
    for (size_t i = shuffled.size(); i > 1; --i) {
      std::swap(shuffled[i - 1], shuffled[*rc::gen::inRange<size_t>(0, i)]);
    }
    RunReport merged;
    Status s = MergeReports(shuffled, &merged);
    RC_ASSERT(s.ok());
    RC_ASSERT(WithoutTimings(merged) == WithoutTimings(full));
    RC_ASSERT(AllMet(merged) == AllMet(full));
    RC_ASSERT(merged.wall_ms == 100.0 * n);
    RC_ASSERT(merged.started_at == "2026-11-23T18:15:01Z");
  });
}

TEST(MergeTest, CommandLineAsStringLosesShardFlag) {
  RunReport a, b;
  a.settings = {{"seed", 1}, {"shard", "1/2"}, {"command_line", "bdbsim run --shard=1/2 --seed 1"}};
  b.settings = {{"seed", 1}, {"shard", "2/2"}, {"command_line", "bdbsim run --shard 2/2 --seed 1"}};
  RunReport merged;
  ASSERT_TRUE(MergeReports({a, b}, &merged).ok());
  EXPECT_EQ(merged.settings, json({{"seed", 1}, {"command_line", "bdbsim run --seed 1"}}));
}

RunReport OneTrialReport(const std::string& shard, int index, uint64_t seed = 1) {
  RunReport r;
  ScenarioResult s{"x", "", "pass", "", {}};
  TrialResult t;
  t.scenario = "x";
  t.index = index;
  s.trials.push_back(t);
  r.scenarios.push_back(s);
  r.settings = {{"seed", seed}};
  if (!shard.empty()) r.settings["shard"] = shard;
  return r;
}

TEST(MergeTest, Errors) {
  struct Case {
    std::vector<RunReport> shards;
    std::string message;
  };
  RunReport other_version = OneTrialReport("", 1);
  other_version.versions = {{"bdbsim", "0.2.0"}};
  RunReport other_expect = OneTrialReport("", 1);
  other_expect.scenarios[0].expect = "caught";
  RunReport other_description = OneTrialReport("", 1);
  other_description.scenarios[0].description = "changed";
  const Case cases[] = {
      {{}, "no shard reports to merge"},
      {{OneTrialReport("1/2", 0, 1), OneTrialReport("2/2", 1, 2)},
       "shard reports disagree on setting 'seed': 1 in report 1, 2 in report 2"},
      {{OneTrialReport("", 7), OneTrialReport("", 7)}, "trial 7 of 'x' appears in two shard reports"},
      {{OneTrialReport("", 0), other_version},
       "shard reports come from different versions: {} in report 1, {\"bdbsim\":\"0.2.0\"} in report 2"},
      {{OneTrialReport("", 0), other_expect},
       "shard reports disagree on scenario 'x': expect 'pass' in one, 'caught' in report 2"},
      {{OneTrialReport("", 0), other_description},
       "shard reports disagree on scenario 'x': description '' in one, 'changed' in report 2"},
      {{OneTrialReport("1/3", 0), OneTrialReport("2/3", 1)}, "shard 3/3 is missing from the reports"},
      {{OneTrialReport("1/2", 0), OneTrialReport("1/2", 1)}, "shard 1/2 appears in two reports"},
      {{OneTrialReport("1/2", 0), OneTrialReport("2/3", 1)},
       "shard reports split the run differently: shard 1/2 and shard 2/3"},
      {{OneTrialReport("1/2", 0), OneTrialReport("bad", 1)},
       "report 2: --shard must be K/N with 1 <= K <= N, got 'bad'"},
      {{OneTrialReport("", 0), OneTrialReport("", 2)}, "trial 1 of 'x' is missing from the shard reports"},
  };
  for (const Case& c : cases) {
    RunReport merged;
    merged.wall_ms = 5;
    Status s = MergeReports(c.shards, &merged);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << c.message;
    EXPECT_EQ(s.message(), c.message);
    EXPECT_EQ(merged.wall_ms, 5);  // untouched on error
  }
}

TEST(MergeTest, ReportDirs) {
  char tmpl[] = "/tmp/shard_merge_test.XXXXXX";
  std::string root = mkdtemp(tmpl);
  FileIO* io = DefaultFileIO();
  std::vector<std::string> dirs;
  for (int k = 1; k <= 2; ++k) {
    std::string dir = JoinPath(root, "shard" + std::to_string(k));
    ASSERT_TRUE(io->MakeDir(dir, 0755).ok());
    ASSERT_TRUE(WriteReportJson(OneTrialReport(ShardName(k, 2), k - 1), JoinPath(dir, "report.json")).ok());
    dirs.push_back(dir);
  }
  RunReport merged;
  Status s = MergeReportDirs(dirs, &merged);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(merged.scenarios.size(), 1u);
  EXPECT_EQ(merged.scenarios[0].trials.size(), 2u);
  EXPECT_EQ(merged.settings, json({{"seed", 1}}));

  dirs.push_back(JoinPath(root, "absent"));
  s = MergeReportDirs(dirs, &merged);
  EXPECT_EQ(s.message(), "unable to open file '" + root + "/absent/report.json': No such file or directory");
  ASSERT_TRUE(RemoveTree(io, root).ok());
}

}  // namespace
}  // namespace bdb::sim
