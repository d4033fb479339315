// Tests for the pure outcome rules: a detection is explained only by a fault
// that fired and touched the file it names, in its scope; a PASS whose
// planned faults did not all fire is NOT_EXERCISED; verdicts and catch rates.
#include "simulator/harness/trial_classify.h"

#include <gtest/gtest.h>

namespace bdb::sim {
namespace {

const std::vector<FaultTouch> kTouched = {
    {"torn_read", "/sandbox/home/a.db", "page 12", 2, {}},
    {"power_loss", "log/log.0000000003", "tore 512 bytes at 4096", 0, {}},
    {"power_loss", "b.db", "tore 1024 bytes at 356352", 0, {87}},
};

TEST(ExplainingTouchTest, NamesTheTouchedFileInScope) {
  const FaultTouch* t =
      ExplainingTouch(kTouched, {false, 2}, "bdbackup verify: file 'a.db' page 12: checksum mismatch");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->kind, "torn_read");
}

TEST(ExplainingTouchTest, AnUnrelatedDetectionIsUnexplained) {
  EXPECT_EQ(ExplainingTouch(kTouched, {true, 9}, "file c.db has LSN 7/27797, past end of log at 6/231310"), nullptr);
  EXPECT_EQ(ExplainingTouch({}, {true, 9}, "anything at all about a.db"), nullptr);
}

TEST(ExplainingTouchTest, OutOfScopeTouchesDoNotExplain) {
  // A tear in backup step 2 does not explain a failure of the live environment's recovery...
  EXPECT_EQ(ExplainingTouch(kTouched, {true, 0}, "recovery failed: a.db checksum error"), nullptr);
  // ...nor of a backup made before it.
  EXPECT_EQ(ExplainingTouch(kTouched, {false, 1}, "verify: 'a.db' page 12"), nullptr);
  // A power cut explains the live environment, not a backup restored without live logs.
  EXPECT_NE(ExplainingTouch(kTouched, {true, 0}, "recovery: log.0000000003: checksum error"), nullptr);
  EXPECT_EQ(ExplainingTouch(kTouched, {false, 5}, "recovery: log.0000000003: checksum error"), nullptr);
}

TEST(ExplainingTouchTest, ARecoveryNamingOnlyAPageIsExplainedByTheCutThatToreIt) {
  // BDB 5.3's recovery names the page, not the file, of a checksum error.
  const FaultTouch* t =
      ExplainingTouch(kTouched, {true, 0}, "BDB0684 checksum error: page 87: catastrophic recovery required");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->file, "b.db");
  EXPECT_EQ(ExplainingTouch(kTouched, {true, 0}, "BDB0684 checksum error: page 88: catastrophic recovery required"),
            nullptr);
  EXPECT_EQ(ExplainingTouch(kTouched, {false, 9}, "checksum error: page 87"), nullptr) << "the cut hit the live env";
}

TEST(ExplainingTouchTest, MatchesWholeNamesOnly) {
  EXPECT_EQ(ExplainingTouch(kTouched, {false, 2}, "file 'data.db' is damaged"), nullptr);
  EXPECT_EQ(ExplainingTouch(kTouched, {false, 2}, "file a.dbx"), nullptr);
  EXPECT_NE(ExplainingTouch(kTouched, {false, 2}, "a.db"), nullptr);
}

TrialResult WithExercise(Outcome outcome, std::vector<bool> fired) {
  TrialResult t;
  t.outcome = outcome;
  t.detail = "restore ok";
  int step = 1;
  for (bool f : fired) t.exercise.push_back({"torn_read", step++, "4 page reads torn", f, f ? "page 3" : "unchanged"});
  return t;
}

TEST(ConcludeTrialTest, APassWhoseFaultNeverFiredIsNotExercised) {
  TrialResult t = WithExercise(Outcome::kPass, {true, false});
  ConcludeTrial(&t);
  EXPECT_EQ(t.outcome, Outcome::kNotExercised);
  EXPECT_FALSE(t.exercised);
  EXPECT_EQ(t.detail, "no loss, but not exercised: torn_read at step 2 (4 page reads torn): unchanged did not fire");
  EXPECT_EQ(UnfiredFaults(t.exercise), "torn_read@2");
}

TEST(ConcludeTrialTest, ALossStaysALossAndAFullyFiredPassStaysAPass) {
  TrialResult loss = WithExercise(Outcome::kLoss, {false});
  ConcludeTrial(&loss);
  EXPECT_EQ(loss.outcome, Outcome::kLoss);
  EXPECT_FALSE(loss.exercised);
  TrialResult pass = WithExercise(Outcome::kPass, {true, true});
  ConcludeTrial(&pass);
  EXPECT_EQ(pass.outcome, Outcome::kPass);
  EXPECT_TRUE(pass.exercised);
}

TEST(VerdictTest, PassNeedsTheExercisedShare) {
  ScenarioResult s{"s", "", "pass", "", {}};
  for (int i = 0; i < 10; ++i) {
    TrialResult t = WithExercise(Outcome::kPass, {i < 7});
    ConcludeTrial(&t);
    s.trials.push_back(t);
  }
  s.min_exercised = 0.8;
  EXPECT_EQ(Verdict(s), "FAIL");
  EXPECT_EQ(VerdictReason(s), "only 7 of 10 trials exercised their faults (needs 80%)");
  s.min_exercised = 0.7;
  EXPECT_EQ(Verdict(s), "PASS");
  EXPECT_EQ(VerdictReason(s), "no loss in 10 trials, 7 of 10 exercised");
}

TEST(VerdictTest, UnexplainedDetectionFailsPassAndIsNoCatch) {
  TrialResult t = WithExercise(Outcome::kDetected, {true});
  t.explained = false;
  ScenarioResult pass{"s", "", "pass", "", {t}};
  EXPECT_EQ(Verdict(pass), "FAIL");
  ScenarioResult caught{"s", "", "caught", "", {t}};
  EXPECT_EQ(Verdict(caught), "FAIL");
  EXPECT_FALSE(TrialCaught(t));
  t.explained = true;
  caught.trials = {t};
  EXPECT_EQ(Verdict(caught), "PASS");
}

TEST(VerdictTest, CatchRateHasAWilsonInterval) {
  ScenarioResult s{"s", "", "caught", "", {}};
  for (int i = 0; i < 10; ++i) s.trials.push_back(WithExercise(i < 6 ? Outcome::kLoss : Outcome::kPass, {true}));
  const auto [low, high] = CatchRateInterval(s);
  EXPECT_NEAR(low, 0.3127, 0.001);
  EXPECT_NEAR(high, 0.8318, 0.001);
  EXPECT_EQ(VerdictReason(s), "caught 6 of 10 trials (60.0%, 95% CI 31-83%)");
}

TEST(ReplayTokenTest, CarriesTheOutcomeAndFaultSignature) {
  TrialResult t = WithExercise(Outcome::kDetected, {true, false});
  t.scenario = "torn-reads";
  t.seed = 0xabc;
  t.explained = false;
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
  // Old tokens (no result part) still parse.
  ASSERT_TRUE(ParseReplayToken("torn-reads.0000000000000abc", &scenario, &seed, &expected).ok());
  EXPECT_FALSE(expected.has_value());
  EXPECT_EQ(ParseReplayToken("torn-reads.0000000000000abc.Z00000000", &scenario, &seed, &expected).message(),
            "replay token result must be an outcome letter (one of PNDUCL) and 8 hex digits, got 'Z00000000'");
}

}  // namespace
}  // namespace bdb::sim
