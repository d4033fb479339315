// Tests for PlanTrial and ValidatePlannable: pure functions, no processes.
// The plan is a function of (scenario, seed); every scenario-named fault is
// listed with its step; faults that could never fire are load errors.
#include "simulator/plan/trial_plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "simulator/plan/scenario.h"

namespace bdb::sim {
namespace {

Scenario Load(const std::string& body) {
  Scenario s;
  Status st = LoadScenarioString("name = \"p\"\ndescription = \"plan\"\nexpect = \"pass\"\n" + body, "p.toml", &s);
  EXPECT_TRUE(st.ok()) << st.message();
  return s;
}

std::string LoadError(const std::string& body) {
  Scenario s;
  Status st = LoadScenarioString("name = \"p\"\ndescription = \"plan\"\nexpect = \"pass\"\n" + body, "p.toml", &s);
  EXPECT_FALSE(st.ok());
  return st.message();
}

const char kTornHot[] =
    "[workload]\ntxns = 1000\n"
    "[faults]\ntorn_read = { pages = [1, 16] }\n"
    "io_error = { points = [\"read\", \"write\", \"fsync\"], at = [1, 40] }\n"
    "[[steps]]\naction = \"wait_txns\"\ntxns = 100\n"
    "[[steps]]\naction = \"backup\"\nmode = \"hot\"\n"
    "[[steps]]\naction = \"wait_txns\"\ntxns = 300\n"
    "[[steps]]\naction = \"crash\"\ntarget = \"backup\"\nat = [1, 50]\n"
    "[[steps]]\naction = \"backup\"\nmode = \"hot\"\n"
    "[[steps]]\naction = \"restore_check\"\nuntil_txn = 250\nbackup = 1\n";

TEST(TrialPlanTest, SameScenarioAndSeedGiveTheSamePlan) {
  const Scenario s = Load(kTornHot);
  EXPECT_EQ(PlanTrial(s, 42), PlanTrial(s, 42));
  EXPECT_NE(PlanTrial(s, 42).agent, PlanTrial(s, 43).agent);
}

TEST(TrialPlanTest, EveryDrawStaysInItsRange) {
  const Scenario s = Load(kTornHot);
  for (uint64_t seed = 0; seed < 200; ++seed) {
    const TrialPlan p = PlanTrial(s, seed);
    ASSERT_EQ(p.agent.size(), 2u);
    for (const auto& [step, a] : p.agent) {
      EXPECT_GE(a.torn_pages, 1u);
      EXPECT_LE(a.torn_pages, 16u);
      EXPECT_GE(a.io_nth, 1u);
      EXPECT_LE(a.io_nth, 40u);
      EXPECT_TRUE(a.io_point == IoPoint::kRead || a.io_point == IoPoint::kWrite || a.io_point == IoPoint::kFsync);
      EXPECT_EQ(a.torn_boundary_bytes, 512u);
    }
    // The crash step arms the NEXT backup (step 5), not the first one.
    EXPECT_EQ(p.agent.at(2).crash_at_read, 0u);
    EXPECT_GE(p.agent.at(5).crash_at_read, 1u);
    EXPECT_LE(p.agent.at(5).crash_at_read, 50u);
  }
}

TEST(TrialPlanTest, ListsEveryNamedFaultWithItsStep) {
  const TrialPlan p = PlanTrial(Load(kTornHot), 7);
  std::multiset<std::pair<std::string, int>> got;
  for (const PlannedFault& f : p.faults) got.insert({ToString(f.kind), f.step});
  const std::multiset<std::pair<std::string, int>> want = {
      {"torn_read", 2}, {"io_error", 2}, {"copy_under_load", 2}, {"crash", 5},
      {"torn_read", 5}, {"io_error", 5}, {"copy_under_load", 5}, {"point_in_time", 6}};
  EXPECT_EQ(got, want);
}

TEST(TrialPlanTest, StreamsAreIndependent) {
  // Adding a fault kind must not shift the draws of another (named streams).
  const Scenario with_io = Load(kTornHot);
  std::string body = kTornHot;
  body.erase(body.find("io_error"), body.find("[[steps]]") - body.find("io_error"));
  const Scenario without_io = Load(body);
  for (uint64_t seed = 0; seed < 20; ++seed) {
    EXPECT_EQ(PlanTrial(with_io, seed).agent.at(2).torn_pages, PlanTrial(without_io, seed).agent.at(2).torn_pages);
    EXPECT_EQ(PlanTrial(with_io, seed).agent.at(5).crash_at_read,
              PlanTrial(without_io, seed).agent.at(5).crash_at_read);
  }
}

TEST(TrialPlanTest, GoldenValuesPinTheGenerator) {
  // splitmix64 + FNV-1a stream names: the same on every platform and library.
  // A change here changes what every published replay token replays.
  const TrialPlan p = PlanTrial(Load(kTornHot), 1);
  EXPECT_EQ(p.agent.at(2).torn_pages, 13u);
  EXPECT_EQ(p.agent.at(2).io_point, IoPoint::kWrite);
  EXPECT_EQ(p.agent.at(2).io_nth, 37u);
  EXPECT_EQ(p.agent.at(5).crash_at_read, 1u);
  EXPECT_EQ(p.agent.at(5).injector_seed, 2479746636298417673ULL);
}

TEST(TrialPlanTest, WorkloadCrashStepAndPowerCutArePlanned) {
  const Scenario s = Load(
      "[[steps]]\naction = \"wait_txns\"\ntxns = 200\n"
      "[[steps]]\naction = \"crash\"\ntarget = \"workload\"\nat = [1, 1500]\n"
      "[[steps]]\naction = \"power_loss\"\nmode = \"subset\"\n"
      "[[steps]]\naction = \"recover_check\"\n");
  std::set<uint64_t> writes;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    const TrialPlan p = PlanTrial(s, seed);
    ASSERT_EQ(p.crash_after_writes.count(2), 1u);
    writes.insert(p.crash_after_writes.at(2));
    EXPECT_GE(p.crash_after_writes.at(2), 1u);
    EXPECT_LE(p.crash_after_writes.at(2), 1500u);
    EXPECT_EQ(p.power_cut_seed.count(3), 1u);
    ASSERT_EQ(p.faults.size(), 2u);
    EXPECT_EQ(p.faults[0].kind, FaultKind::kCrash);
    EXPECT_EQ(p.faults[1].kind, FaultKind::kPowerLoss);
  }
  EXPECT_GT(writes.size(), 40u) << "the crash point is drawn, not fixed";
}

TEST(TrialPlanTest, FaultPowerLossCutsAtEveryCrash) {
  const TrialPlan p = PlanTrial(Load("[faults]\npower_loss = { mode = \"subset\" }\n"
                                     "[[steps]]\naction = \"wait_txns\"\ntxns = 300\n"
                                     "[[steps]]\naction = \"backup\"\nmode = \"hot\"\n"
                                     "[[steps]]\naction = \"crash\"\ntarget = \"backup\"\nat = [1, 8]\n"
                                     "[[steps]]\naction = \"backup\"\nmode = \"incremental\"\n"
                                     "[[steps]]\naction = \"restore_check\"\n"),
                                3);
  EXPECT_EQ(p.power_cut_seed.count(4), 1u) << "the crashed incremental takes the machine down";
  EXPECT_GE(p.agent.at(4).crash_at_read, 1u);
}

TEST(TrialPlanTest, AgentPowerCutIsDrawnPerStepWithItsPhase) {
  const Scenario s = Load(
      "[[steps]]\naction = \"wait_txns\"\ntxns = 200\n"
      "[[steps]]\naction = \"backup\"\nmode = \"hot\"\n"
      "[[steps]]\naction = \"archive\"\npower_cut = { from = \"archive_copy\", at = [1, 30], mode = \"none\" }\n"
      "[[steps]]\naction = \"recover_check\"\n");
  std::set<uint64_t> points;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    const TrialPlan p = PlanTrial(s, seed);
    const AgentFaultPlan& a = p.agent.at(3);
    EXPECT_GE(a.power_cut_nth, 1u);
    EXPECT_LE(a.power_cut_nth, 30u);
    EXPECT_EQ(a.power_cut_from, WritePhase::kArchiveCopy);
    EXPECT_EQ(a.power_cut_mode, PowerLossMode::kNone);
    EXPECT_EQ(p.power_cut_seed.count(3), 1u);
    EXPECT_EQ(p.agent.at(2).power_cut_nth, 0u) << "only the step that names a cut";
    const bool listed = std::any_of(p.faults.begin(), p.faults.end(), [](const PlannedFault& f) {
      return f.kind == FaultKind::kAgentPowerCut && f.step == 3;
    });
    EXPECT_TRUE(listed);
    points.insert(a.power_cut_nth);
  }
  EXPECT_GT(points.size(), 15u) << "the cut point is drawn, not fixed";
}

TEST(TrialPlanTest, ImpossibleFaultsAreRefusedAtLoad) {
  EXPECT_EQ(LoadError("[workload]\npage_size = 4096\n[faults]\nmmap_fault = { pages = [1, 4] }\n"),
            "p.toml:7: key 'faults.mmap_fault' tears at 4096-byte boundaries, which a 4096-byte page does not "
            "straddle (use workload.page_size above 4096)");
  EXPECT_EQ(LoadError("[faults]\ntorn_read = { pages = [1, 4] }\n"
                      "[[steps]]\naction = \"quiesce\"\n"
                      "[[steps]]\naction = \"backup\"\nmode = \"cold\"\n"
                      "[[steps]]\naction = \"restore_check\"\n"),
            "p.toml:5: key 'faults.torn_read' tears pages the workload rewrites during a hot backup, but the "
            "schedule has no hot backup step");
  EXPECT_EQ(LoadError("[[steps]]\naction = \"wait_txns\"\ntxns = 10\n"
                      "[[steps]]\naction = \"power_loss\"\nmode = \"all\"\n"
                      "[[steps]]\naction = \"recover_check\"\n"),
            "p.toml:7: key 'steps[2].mode' \"all\" keeps every unsynced write, a power cut that loses nothing "
            "(use \"none\" or \"subset\")");
  EXPECT_EQ(LoadError("[faults]\nio_error = { points = [\"read\"], at = [1, 4], probability = 0.5 }\n"),
            "p.toml:5: key 'faults.io_error.at' cannot be combined with faults.io_error.probability");
}

// What a scenario names, derived from its file independently of the planner:
// each (fault kind, step) the plan must list for a trial to count.
std::multiset<std::pair<FaultKind, int>> NamedFaults(const Scenario& s) {
  std::multiset<std::pair<FaultKind, int>> named;
  const FaultSpec& f = s.faults;
  if (f.crash && f.crash->target == CrashTarget::kWorkload) named.insert({FaultKind::kCrash, 0});
  if (f.workload_io_error) named.insert({FaultKind::kWorkloadIoError, 0});
  bool armed = f.crash && f.crash->target == CrashTarget::kBackup;
  bool armed_archive = f.crash && f.crash->target == CrashTarget::kArchive;
  for (size_t i = 0; i < s.steps.size(); ++i) {
    const Step& st = s.steps[i];
    const int n = static_cast<int>(i) + 1;
    switch (st.action) {
      case Step::Action::kCrash:
        if (st.target == CrashTarget::kWorkload) named.insert({FaultKind::kCrash, n});
        if (st.target == CrashTarget::kBackup) armed = true;
        if (st.target == CrashTarget::kArchive) armed_archive = true;
        break;
      case Step::Action::kBackup:
        if (armed) named.insert({FaultKind::kCrash, n});
        armed = false;
        if (st.mode == BackupMode::kHot && f.torn_read) named.insert({FaultKind::kTornRead, n});
        if (st.mode == BackupMode::kHot && f.mmap_fault) named.insert({FaultKind::kMmapFault, n});
        if (f.io_error) named.insert({FaultKind::kIoError, n});
        if (st.mode != BackupMode::kCold || s.backup.method == BackupMethod::kCommand)
          named.insert({FaultKind::kCopyUnderLoad, n});
        if (st.power_cut) named.insert({FaultKind::kAgentPowerCut, n});
        break;
      case Step::Action::kArchive:
        if (armed_archive) named.insert({FaultKind::kCrash, n});
        armed_archive = false;
        if (st.power_cut) named.insert({FaultKind::kAgentPowerCut, n});
        break;
      case Step::Action::kRestoreCheck:
        if (st.until_txn) named.insert({FaultKind::kPointInTime, n});
        if (st.power_cut) named.insert({FaultKind::kAgentPowerCut, n});
        break;
      default:
        break;
    }
  }
  return named;
}

// Every shipped scenario's plan lists exactly the faults its file names (power
// cuts, which count only where a later check observes them, at least once
// when the file asks for one), and every scenario but a cold backup of a
// quiesced environment names at least one.
TEST(TrialPlanTest, EveryShippedScenarioPlansTheFaultsItNames) {
  std::vector<Scenario> all;
  ASSERT_TRUE(LoadScenarios({std::string(BDBACKUP_SOURCE_DIR) + "/scenarios"}, &all).ok());
  for (const Scenario& s : all) {
    const TrialPlan p = PlanTrial(s, 99);
    std::multiset<std::pair<FaultKind, int>> planned;
    bool power_loss_planned = false;
    for (const PlannedFault& f : p.faults) {
      if (f.kind == FaultKind::kPowerLoss) {
        power_loss_planned = true;
        continue;
      }
      planned.insert({f.kind, f.step});
    }
    EXPECT_EQ(planned, NamedFaults(s)) << s.name;
    const bool cuts = s.faults.power_loss.has_value() ||
                      std::any_of(s.steps.begin(), s.steps.end(),
                                  [](const Step& st) { return st.action == Step::Action::kPowerLoss; });
    const bool observed = std::any_of(s.steps.begin(), s.steps.end(), [](const Step& st) {
      return st.action == Step::Action::kRecoverCheck || (st.action == Step::Action::kRestoreCheck && st.live_logs);
    });
    if (cuts && observed) {
      EXPECT_TRUE(power_loss_planned) << s.name << " cuts power but plans no power_loss";
    }
    const bool cold_only = std::all_of(s.steps.begin(), s.steps.end(), [](const Step& step) {
      return step.action != Step::Action::kBackup || step.mode == BackupMode::kCold;
    });
    if (!cold_only) {
      EXPECT_FALSE(p.faults.empty()) << s.name << " names no fault: a PASS would prove nothing";
    }
  }
}

}  // namespace
}  // namespace bdb::sim
