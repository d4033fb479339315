// Tests for the pure outcome rules: every pair of findings ranks worst-first
// (a table of the eight classes); a trial with no bad finding is PASS only
// when every planned fault fired and something was checked; a detection is
// explained only by a fault that fired in its scope and touched the file (and
// page) it names; verdicts, catch-rate claims and replay tokens.
#include "simulator/harness/trial_classify.h"

#include <gtest/gtest.h>

namespace bdb::sim {
namespace {

// The eight classes, mildest first: the ranking the outcome rules promise.
const std::vector<TrialFinding> kClassesMildestFirst = {
    {Outcome::kPass, false, "pass"},
    {Outcome::kNotExercised, false, "not exercised"},
    {Outcome::kCleanFailure, false, "clean failure"},
    {Outcome::kDetected, true, "explained detection"},
    {Outcome::kDetected, false, "unexplained detection"},
    {Outcome::kHarnessError, false, "harness error"},
    {Outcome::kHang, false, "hang"},
    {Outcome::kLoss, false, "loss"},
};

TEST(WorstFindingTest, EveryPairRanksWorstFirstInEitherOrder) {
  for (size_t a = 0; a < kClassesMildestFirst.size(); ++a) {
    for (size_t b = 0; b < kClassesMildestFirst.size(); ++b) {
      const size_t worse = std::max(a, b);
      const std::vector<TrialFinding> findings = {kClassesMildestFirst[a], kClassesMildestFirst[b]};
      const TrialFinding* worst = WorstFinding(findings);
      ASSERT_NE(worst, nullptr);
      EXPECT_EQ(worst->detail, kClassesMildestFirst[worse].detail)
          << kClassesMildestFirst[a].detail << " then " << kClassesMildestFirst[b].detail;
      EXPECT_GT(Severity(kClassesMildestFirst[worse].outcome, kClassesMildestFirst[worse].explained),
                a == b ? -1 : Severity(kClassesMildestFirst[std::min(a, b)].outcome,
                                       kClassesMildestFirst[std::min(a, b)].explained));
    }
  }
  EXPECT_EQ(WorstFinding({}), nullptr);
}

TEST(WorstFindingTest, OfEqualFindingsTheFirstIsKept) {
  const std::vector<TrialFinding> findings = {{Outcome::kLoss, false, "first"}, {Outcome::kLoss, false, "second"}};
  EXPECT_EQ(WorstFinding(findings)->detail, "first");
}

TEST(WorstFindingTest, ALaterUnexplainedDetectionOutranksAnEarlierExplainedOne) {
  const std::vector<TrialFinding> findings = {{Outcome::kDetected, true, "torn page named"},
                                              {Outcome::kDetected, false, "restore of another backup failed"}};
  EXPECT_EQ(WorstFinding(findings)->detail, "restore of another backup failed");
}

std::vector<FaultExercise> Exercise(std::vector<bool> fired) {
  std::vector<FaultExercise> out;
  int step = 1;
  for (bool f : fired) out.push_back({"torn_read", step++, "4 page reads torn", f, f ? "page 3" : "unchanged"});
  return out;
}

TEST(ConcludeTrialTest, EachClassAloneBecomesTheOutcome) {
  for (const TrialFinding& f : kClassesMildestFirst) {
    if (f.outcome == Outcome::kPass || f.outcome == Outcome::kNotExercised) continue;
    TrialEvidence e{{f}, Exercise({true}), 1, 0, "ok"};
    const TrialConclusion c = ConcludeTrial(e);
    EXPECT_EQ(c.outcome, f.outcome) << f.detail;
    EXPECT_EQ(c.explained, f.explained) << f.detail;
    EXPECT_EQ(c.detail, f.detail);
    EXPECT_TRUE(c.exercised);
  }
}

TEST(ConcludeTrialTest, APassWhoseFaultNeverFiredIsNotExercised) {
  const TrialConclusion c = ConcludeTrial({{}, Exercise({true, false}), 1, 0, "restore ok"});
  EXPECT_EQ(c.outcome, Outcome::kNotExercised);
  EXPECT_FALSE(c.exercised);
  EXPECT_EQ(c.detail, "no loss, but not exercised: torn_read at step 2 (4 page reads torn): unchanged did not fire");
  EXPECT_EQ(UnfiredFaults(Exercise({true, false})), "torn_read@2");
}

TEST(ConcludeTrialTest, NoCheckNoVerdict) {
  const TrialConclusion c = ConcludeTrial({{}, Exercise({true}), 0, 0, ""});
  EXPECT_EQ(c.outcome, Outcome::kNotExercised);
  EXPECT_FALSE(c.exercised);
  EXPECT_EQ(c.detail, "no loss, but not exercised: no check ran");
  // A restore step that found nothing published says so.
  const TrialConclusion nothing = ConcludeTrial(
      {{{Outcome::kNotExercised, false, "restore_check at step 3 had no published backup to restore"}},
       Exercise({true}),
       0,
       0,
       ""});
  EXPECT_EQ(nothing.outcome, Outcome::kNotExercised);
  EXPECT_EQ(nothing.detail,
            "no loss, but not exercised: restore_check at step 3 had no published backup to restore; no check ran");
}

TEST(ConcludeTrialTest, AFullyFiredCheckedTrialPasses) {
  const TrialConclusion c = ConcludeTrial({{}, Exercise({true, true}), 2, 0, "restore of X: ok"});
  EXPECT_EQ(c.outcome, Outcome::kPass);
  EXPECT_TRUE(c.exercised);
  EXPECT_EQ(c.detail, "restore of X: ok");
}

TEST(ConcludeTrialTest, AnExpectedRefusalOrACleanFailureIsTheCheck) {
  const TrialConclusion refused = ConcludeTrial({{}, Exercise({true}), 0, 1, ""});
  EXPECT_EQ(refused.outcome, Outcome::kPass);
  EXPECT_TRUE(refused.exercised);
  const TrialConclusion clean =
      ConcludeTrial({{{Outcome::kCleanFailure, false, "backup failed cleanly"}}, Exercise({true}), 0, 0, ""});
  EXPECT_EQ(clean.outcome, Outcome::kCleanFailure);
  EXPECT_TRUE(clean.exercised);
}

TEST(ConcludeTrialTest, ALossStaysALossEvenUnexercised) {
  const TrialConclusion c = ConcludeTrial({{{Outcome::kLoss, false, "3 missing"}}, Exercise({false}), 1, 0, ""});
  EXPECT_EQ(c.outcome, Outcome::kLoss);
  EXPECT_FALSE(c.exercised);
}

const std::vector<FaultTouch> kTouched = {
    {"torn_read", "/sandbox/home/a.db", "page 12", 2, {12}},
    {"power_loss", "log/log.0000000003", "tore 512 bytes at 4096", 0, {}},
    {"power_loss", "b.db", "tore 1024 bytes at 356352", 0, {87}},
};

TEST(ExplainingTouchTest, NamesTheTouchedFileAndPageInScope) {
  const FaultTouch* t =
      ExplainingTouch(kTouched, {false, {2}}, "bdbackup verify: file 'a.db' page 12: checksum mismatch");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->kind, "torn_read");
  // The same file, another page: not what the tear touched.
  EXPECT_EQ(ExplainingTouch(kTouched, {false, {2}}, "bdbackup verify: file 'a.db' page 13: checksum mismatch"),
            nullptr);
}

TEST(ExplainingTouchTest, AnUnrelatedDetectionIsUnexplained) {
  EXPECT_EQ(ExplainingTouch(kTouched, {true, {1, 2, 3}}, "file c.db has LSN 7/27797, past end of log at 6/231310"),
            nullptr);
  EXPECT_EQ(ExplainingTouch({}, {true, {9}}, "anything at all about a.db"), nullptr);
}

TEST(ExplainingTouchTest, OnlyTheCheckedChainsTouchesExplain) {
  // A tear in backup step 2 does not explain a failure of the live environment's recovery...
  EXPECT_EQ(ExplainingTouch(kTouched, {true, {}}, "recovery failed: a.db checksum error"), nullptr);
  // ...nor of a restore whose chain is made of other steps, later or earlier.
  EXPECT_EQ(ExplainingTouch(kTouched, {false, {1}}, "verify: 'a.db' page 12"), nullptr);
  EXPECT_EQ(ExplainingTouch(kTouched, {false, {3, 5}}, "verify: 'a.db' page 12"), nullptr);
  EXPECT_NE(ExplainingTouch(kTouched, {false, {1, 2}}, "verify: 'a.db' page 12"), nullptr);
  // A power cut explains the live environment, not a backup restored without live logs.
  EXPECT_NE(ExplainingTouch(kTouched, {true, {}}, "recovery: log.0000000003: checksum error"), nullptr);
  EXPECT_EQ(ExplainingTouch(kTouched, {false, {5}}, "recovery: log.0000000003: checksum error"), nullptr);
}

TEST(ExplainingTouchTest, APageAloneNeverExplainsButNamesCandidates) {
  // BDB 5.3's recovery names the page, not the file, of a checksum error.
  const std::string recovery = "BDB0684 checksum error: page 87: catastrophic recovery required";
  EXPECT_EQ(ExplainingTouch(kTouched, {true, {}}, recovery), nullptr);
  const std::vector<const FaultTouch*> candidates = PageOnlyCandidates(kTouched, {true, {}}, recovery);
  ASSERT_EQ(candidates.size(), 1u);
  EXPECT_EQ(candidates[0]->file, "b.db");
  EXPECT_TRUE(PageOnlyCandidates(kTouched, {true, {}}, "checksum error: page 88").empty());
  EXPECT_TRUE(PageOnlyCandidates(kTouched, {false, {9}}, "checksum error: page 87").empty()) << "the cut hit the live env";
}

TEST(ExplainingTouchTest, MatchesWholeNamesOnly) {
  EXPECT_EQ(ExplainingTouch(kTouched, {false, {2}}, "file 'data.db' is damaged"), nullptr);
  EXPECT_EQ(ExplainingTouch(kTouched, {false, {2}}, "file a.dbx"), nullptr);
  EXPECT_NE(ExplainingTouch(kTouched, {false, {2}}, "a.db"), nullptr);
}

TrialResult Trial(Outcome outcome, bool explained = false, std::optional<bool> exercised = true) {
  TrialResult t;
  t.outcome = outcome;
  t.explained = explained;
  t.exercised = exercised;
  t.exercise = Exercise({true});
  return t;
}

TEST(VerdictTest, PassNeedsTheExercisedShare) {
  ScenarioResult s{"s", "", "pass", "", {}};
  for (int i = 0; i < 10; ++i) s.trials.push_back(Trial(i < 7 ? Outcome::kPass : Outcome::kNotExercised, false, i < 7));
  s.min_exercised = 0.8;
  EXPECT_EQ(Verdict(s), "FAIL");
  EXPECT_EQ(VerdictReason(s), "only 7 of 10 trials exercised their faults (needs 80%)");
  s.min_exercised = 0.7;
  EXPECT_EQ(Verdict(s), "PASS");
  EXPECT_EQ(VerdictReason(s), "no loss in 10 trials, 7 of 10 exercised");
}

TEST(VerdictTest, AnUnknownExerciseCountsAsNotExercised) {
  ScenarioResult s{"s", "", "pass", "", {Trial(Outcome::kPass, false, std::nullopt)}};
  EXPECT_EQ(CountOutcomes(s).exercised, 0);
  EXPECT_EQ(Verdict(s), "FAIL");
}

TEST(VerdictTest, EveryTrialACleanFailurePassesAPassScenario) {
  // Decided: each trial's I/O error fired and its backup failed with nothing
  // published, which is what such a scenario proves.
  ScenarioResult s{"s", "", "pass", "", {Trial(Outcome::kCleanFailure), Trial(Outcome::kCleanFailure)}};
  EXPECT_EQ(Verdict(s), "PASS");
}

TEST(VerdictTest, HangAndHarnessErrorFailEveryScenario) {
  for (Outcome o : {Outcome::kHang, Outcome::kHarnessError}) {
    for (const char* expect : {"pass", "caught"}) {
      ScenarioResult s{"s", "", expect, "", {Trial(Outcome::kLoss), Trial(o)}};
      s.min_catch_rate = 0.1;
      EXPECT_EQ(Verdict(s), "FAIL") << OutcomeName(o) << " " << expect;
      EXPECT_NE(VerdictReason(s).find(std::string("1 of 2 trials ") + OutcomeName(o)), std::string::npos)
          << VerdictReason(s);
    }
  }
}

TEST(VerdictTest, UnexplainedDetectionFailsPassAndIsNoCatch) {
  const TrialResult unexplained = Trial(Outcome::kDetected, false);
  EXPECT_EQ(Verdict(ScenarioResult{"s", "", "pass", "", {unexplained}}), "FAIL");
  EXPECT_FALSE(TrialCaught(unexplained));
  EXPECT_TRUE(TrialCaught(Trial(Outcome::kDetected, true)));
  EXPECT_TRUE(TrialCaught(Trial(Outcome::kLoss)));
  EXPECT_FALSE(TrialCaught(Trial(Outcome::kHarnessError)));
}

TEST(VerdictTest, ACaughtScenarioFailsOnlyWhenItsIntervalLiesBelowItsClaim) {
  ScenarioResult s{"s", "", "caught", "", {}};
  for (int i = 0; i < 10; ++i) s.trials.push_back(Trial(i < 6 ? Outcome::kLoss : Outcome::kPass));
  const auto [low, high] = CatchRateInterval(s);
  EXPECT_NEAR(low, 0.3127, 0.001);
  EXPECT_NEAR(high, 0.8318, 0.001);
  s.min_catch_rate = 0.8;
  EXPECT_EQ(Verdict(s), "PASS");
  EXPECT_EQ(VerdictReason(s), "caught 6 of 10 trials (60.0%, 95% CI 31-83%); claims at least 80%");
  s.min_catch_rate = 0.9;
  EXPECT_EQ(Verdict(s), "FAIL");
  EXPECT_EQ(VerdictReason(s), "caught 6 of 10 trials (60.0%, 95% CI 31-83%), wholly below the claimed 90%");
  // No catch at all in five trials lies below a claim of one half.
  ScenarioResult none{"s", "", "caught", "", std::vector<TrialResult>(5, Trial(Outcome::kPass))};
  EXPECT_EQ(Verdict(none), "FAIL");
}

TEST(ReplayTokenTest, CarriesTheOutcomeAndFaultSignature) {
  TrialResult t = Trial(Outcome::kDetected, false);
  t.exercise = Exercise({true, false});
  t.scenario = "torn-reads";
  t.seed = 0xabc;
  const std::string line = ReplayLine(t);
  const std::string token = line.substr(std::string("bdbsim replay ").size());
  std::string scenario;
  uint64_t seed = 0;
  std::optional<ReplayExpectation> expected;
  ASSERT_TRUE(ParseReplayToken(token, &scenario, &seed, &expected).ok());
  EXPECT_EQ(scenario, "torn-reads");
  EXPECT_EQ(seed, 0xabcu);
  ASSERT_TRUE(expected.has_value());
  EXPECT_EQ(expected->outcome, 'U');
  EXPECT_EQ(expected->faults, FaultSignature(t.exercise));
  // Another set of fired faults gives another signature.
  t.exercise[1].fired = true;
  EXPECT_NE(expected->faults, FaultSignature(t.exercise));
  // Every outcome has its own letter, and each parses back.
  std::set<char> letters;
  for (const TrialFinding& f : kClassesMildestFirst) {
    const char letter = ExpectationOf(Trial(f.outcome, f.explained)).outcome;
    letters.insert(letter);
    ASSERT_TRUE(ParseReplayToken(MakeReplayToken("x", 1, {letter, 0}), &scenario, &seed, &expected).ok());
    EXPECT_EQ(expected->outcome, letter);
  }
  EXPECT_EQ(letters.size(), kClassesMildestFirst.size());
  // Tokens without a result part parse too.
  ASSERT_TRUE(ParseReplayToken("torn-reads.0000000000000abc", &scenario, &seed, &expected).ok());
  EXPECT_FALSE(expected.has_value());
  EXPECT_EQ(ParseReplayToken("torn-reads.0000000000000abc.Z00000000", &scenario, &seed, &expected).message(),
            "replay token result must be an outcome letter (one of PNCDUEHL) and 8 hex digits, got 'Z00000000'");
}

}  // namespace
}  // namespace bdb::sim
