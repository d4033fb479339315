// Outcome names, verdict rules, replay tokens and trial seeds.
#include "simulator/report/trial_result.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace bdb::sim {
namespace {

TrialResult Trial(int index, Outcome outcome, bool explained = false) {
  TrialResult t;
  t.scenario = "s";
  t.index = index;
  t.seed = TrialSeed(1, "s", index);
  t.outcome = outcome;
  t.explained = explained;
  t.exercised = true;
  return t;
}

ScenarioResult Scenario(const std::string& expect, std::vector<TrialResult> trials) {
  ScenarioResult s;
  s.name = "s";
  s.expect = expect;
  s.trials = std::move(trials);
  return s;
}

TEST(OutcomeTest, NamesRoundTrip) {
  for (Outcome o : kAllOutcomes) {
    Outcome parsed = Outcome::kPass;
    ASSERT_TRUE(ParseOutcome(OutcomeName(o), &parsed));
    EXPECT_EQ(parsed, o);
  }
  EXPECT_STREQ(OutcomeName(Outcome::kCleanFailure), "CLEAN_FAILURE");
  EXPECT_STREQ(OutcomeName(Outcome::kNotExercised), "NOT_EXERCISED");
  EXPECT_STREQ(OutcomeName(Outcome::kHarnessError), "HARNESS_ERROR");
  EXPECT_STREQ(OutcomeName(Outcome::kHang), "HANG");
  Outcome parsed = Outcome::kLoss;
  EXPECT_FALSE(ParseOutcome("pass", &parsed));
  EXPECT_FALSE(ParseOutcome("", &parsed));
  EXPECT_FALSE(ParseOutcome("LOSS ", &parsed));
  EXPECT_EQ(parsed, Outcome::kLoss);  // untouched on failure
}

TEST(VerdictTest, PassScenarioFailsOnLoss) {
  ScenarioResult s = Scenario("pass", {Trial(0, Outcome::kPass), Trial(1, Outcome::kLoss)});
  EXPECT_EQ(Verdict(s), "FAIL");
  EXPECT_EQ(VerdictReason(s), "1 of 2 trials lost acknowledged commits");
  EXPECT_TRUE(TrialFails(s, s.trials[1]));
  EXPECT_FALSE(TrialFails(s, s.trials[0]));
}

TEST(VerdictTest, PassScenarioFailsOnUnexplainedDetected) {
  ScenarioResult s = Scenario("pass", {Trial(0, Outcome::kDetected, false), Trial(1, Outcome::kPass)});
  EXPECT_EQ(Verdict(s), "FAIL");
  EXPECT_EQ(VerdictReason(s), "1 of 2 trials unexplained DETECTED");
  s.trials.push_back(Trial(2, Outcome::kLoss));
  EXPECT_EQ(VerdictReason(s), "1 of 3 trials lost acknowledged commits, 1 of 3 trials unexplained DETECTED");
}

TEST(VerdictTest, PassScenarioAcceptsExplainedDetectedAndCleanFailure) {
  ScenarioResult s = Scenario("pass", {Trial(0, Outcome::kDetected, true), Trial(1, Outcome::kCleanFailure),
                                       Trial(2, Outcome::kPass)});
  EXPECT_EQ(Verdict(s), "PASS");
  EXPECT_EQ(VerdictReason(s), "no loss in 3 trials, 3 of 3 exercised");
  OutcomeCounts c = CountOutcomes(s);
  EXPECT_EQ(c.trials, 3);
  EXPECT_EQ(c.pass, 1);
  EXPECT_EQ(c.detected, 1);
  EXPECT_EQ(c.clean_failure, 1);
  EXPECT_EQ(c.loss, 0);
  EXPECT_EQ(c.unexplained_detected, 0);
}

TEST(VerdictTest, CaughtScenarioFailsWhenItsRateLiesWhollyBelowItsClaim) {
  std::vector<TrialResult> none;
  for (int i = 0; i < 5; ++i) none.push_back(Trial(i, i == 0 ? Outcome::kCleanFailure : Outcome::kPass));
  ScenarioResult s = Scenario("caught", none);
  EXPECT_EQ(Verdict(s), "FAIL");
  EXPECT_EQ(VerdictReason(s), "caught 0 of 5 trials (0.0%, 95% CI 0-43%), wholly below the claimed 50%");
  EXPECT_EQ(CatchRate(s), 0.0);
  s.trials.push_back(Trial(5, Outcome::kLoss));
  EXPECT_EQ(Verdict(s), "PASS");
  s.trials.push_back(Trial(6, Outcome::kDetected, false));  // unexplained: not a catch
  EXPECT_EQ(Verdict(s), "PASS");
  EXPECT_DOUBLE_EQ(CatchRate(s), 1.0 / 7);
  s.trials.push_back(Trial(7, Outcome::kDetected, true));
  EXPECT_DOUBLE_EQ(CatchRate(s), 2.0 / 8);
  EXPECT_EQ(VerdictReason(s), "caught 2 of 8 trials (25.0%, 95% CI 7-59%); claims at least 50%");
  for (const TrialResult& t : s.trials) EXPECT_FALSE(TrialFails(s, t));
  s.min_catch_rate = 0.6;
  EXPECT_EQ(Verdict(s), "FAIL");
}

// A step the harness could not carry out (a sandbox it could not create) and
// a step its timeout stopped are outcomes of their own: never a catch, and
// they fail every scenario.
TEST(VerdictTest, HarnessErrorAndHangAreNeverCaughtAndFailEveryScenario) {
  for (Outcome o : {Outcome::kHarnessError, Outcome::kHang}) {
    TrialResult broken = Trial(0, o);
    EXPECT_FALSE(TrialCaught(broken));
    ScenarioResult caught = Scenario("caught", {broken, Trial(1, Outcome::kLoss), Trial(2, Outcome::kLoss)});
    EXPECT_EQ(Verdict(caught), "FAIL");
    EXPECT_TRUE(TrialFails(caught, broken));
    ScenarioResult pass = Scenario("pass", {broken});
    EXPECT_EQ(Verdict(pass), "FAIL");
    EXPECT_TRUE(TrialFails(pass, broken));
  }
}

TEST(VerdictTest, EmptyAndUnknownExpectations) {
  EXPECT_EQ(Verdict(Scenario("pass", {})), "PASS");
  EXPECT_EQ(Verdict(Scenario("caught", {})), "FAIL");
  EXPECT_EQ(CatchRate(Scenario("caught", {})), 0.0);
  ScenarioResult odd = Scenario("maybe", {Trial(0, Outcome::kPass)});
  EXPECT_EQ(Verdict(odd), "FAIL");
  EXPECT_EQ(VerdictReason(odd), "unknown expectation 'maybe'");
}

TEST(VerdictTest, AllMetAndShardMet) {
  RunReport r;
  r.scenarios.push_back(Scenario("pass", {Trial(0, Outcome::kPass)}));
  r.scenarios.push_back(Scenario("caught", {Trial(0, Outcome::kPass)}));
  r.scenarios[1].min_catch_rate = 0.9;  // 0 of 1 lies below 90%
  EXPECT_FALSE(AllMet(r));
  EXPECT_TRUE(ShardMet(r));  // the catch may be in another shard
  r.scenarios[1].trials[0].outcome = Outcome::kDetected;
  EXPECT_FALSE(AllMet(r)) << "an unexplained DETECTED is no catch";
  r.scenarios[1].trials[0].explained = true;
  EXPECT_TRUE(AllMet(r));
  r.scenarios[0].trials[0].outcome = Outcome::kLoss;
  EXPECT_FALSE(AllMet(r));
  EXPECT_FALSE(ShardMet(r));
  EXPECT_TRUE(AllMet(RunReport{}));
}

TEST(ReplayTokenTest, Format) {
  EXPECT_EQ(MakeReplayToken("hot-backup-under-load", 0x9f3a2c11d07e4b65ULL), "hot-backup-under-load.9f3a2c11d07e4b65");
  EXPECT_EQ(MakeReplayToken("a.b_c", 1), "a.b_c.0000000000000001");
  EXPECT_EQ(MakeReplayToken("x y/<z>", 0), "x%20y%2F%3Cz%3E.0000000000000000");
  EXPECT_EQ(ReplayLine("s", 255), "bdbsim replay s.00000000000000ff");
  TrialResult t = Trial(0, Outcome::kPass);
  t.seed = 16;
  EXPECT_EQ(TrialReplay(t), "bdbsim replay s.0000000000000010");
  t.replay = "bdbsim replay other.0000000000000001";
  EXPECT_EQ(TrialReplay(t), "bdbsim replay other.0000000000000001");
}

TEST(ReplayTokenTest, RoundTrip) {
  rc::check("ParseReplayToken inverts MakeReplayToken", [](const std::string& name, uint64_t seed) {
    RC_PRE(!name.empty());
    std::string token = MakeReplayToken(name, seed);
    for (char c : token) {
      RC_ASSERT((isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '%'));
    }
    std::string parsed_name;
    uint64_t parsed_seed = 0;
    Status s = ParseReplayToken(token, &parsed_name, &parsed_seed);
    RC_ASSERT(s.ok());
    RC_ASSERT(parsed_name == name);
    RC_ASSERT(parsed_seed == seed);
  });
}

TEST(ReplayTokenTest, StrictDecodeErrors) {
  struct Case {
    std::string token, message;
  };
  const Case cases[] = {
      {"", "replay token must be SCENARIO.SEED (seed as 16 hex digits), got ''"},
      {"noseed", "replay token must be SCENARIO.SEED (seed as 16 hex digits), got 'noseed'"},
      {".9f3a2c11d07e4b65", "replay token must be SCENARIO.SEED (seed as 16 hex digits), got '.9f3a2c11d07e4b65'"},
      {"s.9f3a2c11d07e4b6", "replay token seed must be 16 lowercase hex digits, got '9f3a2c11d07e4b6'"},
      {"s.9f3a2c11d07e4b655", "replay token seed must be 16 lowercase hex digits, got '9f3a2c11d07e4b655'"},
      {"s.9F3A2C11D07E4B65", "replay token seed must be 16 lowercase hex digits, got '9F3A2C11D07E4B65'"},
      {"s.9f3a2c11d07e4b6g", "replay token seed must be 16 lowercase hex digits, got '9f3a2c11d07e4b6g'"},
      {"s.", "replay token seed must be 16 lowercase hex digits, got ''"},
      {"a b.0000000000000000", "replay token has a malformed scenario name 'a b'"},
      {"a%2.0000000000000000", "replay token has a malformed scenario name 'a%2'"},
      {"a%2f.0000000000000000", "replay token has a malformed scenario name 'a%2f'"},
      {"a%41.0000000000000000", "replay token has a malformed scenario name 'a%41'"},  // 'A' needs no escape
      {"a%zz.0000000000000000", "replay token has a malformed scenario name 'a%zz'"},
  };
  for (const Case& c : cases) {
    std::string name = "unchanged";
    uint64_t seed = 7;
    Status s = ParseReplayToken(c.token, &name, &seed);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << c.token;
    EXPECT_EQ(s.message(), c.message);
    EXPECT_EQ(name, "unchanged");
    EXPECT_EQ(seed, 7u);
  }
}

TEST(TrialSeedTest, GoldenValues) {
  // Pinned: changing these breaks every replay token ever printed.
  EXPECT_EQ(SplitMix64(0), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(SeedHex(TrialSeed(0, "hot-backup-under-load", 0)), "30acfdfc29834d91");
  EXPECT_EQ(SeedHex(TrialSeed(42, "hot-backup-under-load", 0)), "db732f76c170cf40");
  EXPECT_EQ(SeedHex(TrialSeed(42, "hot-backup-under-load", 1)), "08d20dec59632468");
  EXPECT_EQ(SeedHex(TrialSeed(42, "cold-backup", 0)), "2f782897b4adf746");
}

TEST(TrialSeedTest, DependsOnEveryInput) {
  rc::check("distinct inputs give distinct seeds", [](uint64_t run_seed, const std::string& name) {
    const int index = *rc::gen::inRange(0, 100000);
    uint64_t s = TrialSeed(run_seed, name, index);
    RC_ASSERT(s == TrialSeed(run_seed, name, index));
    RC_ASSERT(s != TrialSeed(run_seed + 1, name, index));
    RC_ASSERT(s != TrialSeed(run_seed, name + "x", index));
    RC_ASSERT(s != TrialSeed(run_seed, name, index + 1));
  });
}

TEST(SeedHexTest, StrictParse) {
  uint64_t v = 0;
  EXPECT_TRUE(ParseSeedHex("ffffffffffffffff", &v));
  EXPECT_EQ(v, ~0ULL);
  EXPECT_FALSE(ParseSeedHex("fffffffffffffff", &v));
  EXPECT_FALSE(ParseSeedHex("+fffffffffffffff", &v));
  EXPECT_FALSE(ParseSeedHex("FFFFFFFFFFFFFFFF", &v));
}

}  // namespace
}  // namespace bdb::sim
