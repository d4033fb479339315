// Trial results: what one simulator run produced, as plain data. The trial
// runner fills TrialResults; the report writers (JSON, JUnit, HTML, table) and
// the shard merge read them. This module knows nothing of Berkeley DB.
// Verdict rules are docs/contracts.md, "Outcome classes". Everything here is a plain
// value or a pure function: safe to use from any thread on separate objects.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/random.h"
#include "base/status.h"

namespace bdb::sim {

// What one trial proved. PASS: every named fault fired, a check ran and the
// oracle held. NOT_EXERCISED: nothing was lost, but the trial proves nothing
// (a named fault never fired, or no check ran). CLEAN_FAILURE: an injected
// I/O error made the backup fail with nothing published. DETECTED: a tool
// (verify, restore, recovery, the harness's own coverage check) named a
// problem; explained or not (TrialResult::explained). HARNESS_ERROR: the
// harness itself could not carry out a step. HANG: a step was killed by a
// harness timeout. LOSS: the oracle found missing, extra or wrong data.
enum class Outcome { kPass, kNotExercised, kCleanFailure, kDetected, kHarnessError, kHang, kLoss };

// "PASS", "NOT_EXERCISED", "CLEAN_FAILURE", "DETECTED", "HARNESS_ERROR",
// "HANG", "LOSS": the one spelling, used by every report reader and writer.
const char* OutcomeName(Outcome outcome);
// Exact (case-sensitive) inverse of OutcomeName; false for anything else.
bool ParseOutcome(const std::string& name, Outcome* outcome);
// Every outcome, mildest first.
inline constexpr Outcome kAllOutcomes[] = {Outcome::kPass,     Outcome::kNotExercised, Outcome::kCleanFailure,
                                           Outcome::kDetected, Outcome::kHarnessError, Outcome::kHang,
                                           Outcome::kLoss};

// The ranking of trial results, worst highest: LOSS > HANG > HARNESS_ERROR >
// unexplained DETECTED > explained DETECTED > CLEAN_FAILURE > NOT_EXERCISED >
// PASS. `explained` matters only for DETECTED. Pure.
int Severity(Outcome outcome, bool explained);

// One injected fault, at a time relative to the start of the trial.
struct FaultEvent {
  double at_ms = 0;
  std::string kind;    // crash, power_loss, torn_read, mmap_fault, io_error
  std::string detail;  // e.g. "SIGKILL after 812 commits", "EIO on pwrite #41"
};

// One planned fault of the trial: whether it fired, and what it hit.
struct FaultExercise {
  std::string kind;     // FaultKind's name: crash, power_loss, torn_read, ...
  int step = 0;         // 1-based step it acted on; 0 = the whole trial
  std::string planned;  // what the plan said, e.g. "workload SIGKILL at its write #812"
  bool fired = false;
  std::string hit;      // what it did: "'a.db' page 12 spliced at byte 1536", "312 commits, 40 page writes"
};

struct TrialResult {
  std::string scenario;
  uint64_t seed = 0;  // the trial's own seed (TrialSeed), replays it exactly
  int index = 0;      // 0-based trial number within the scenario
  Outcome outcome = Outcome::kPass;
  // Only for DETECTED: true when the detection names what a fault that fired
  // in this trial touched (the torn page of that file, the failed call's
  // file, a file a power cut tore), within what the check read. Otherwise the
  // detection is UNEXPLAINED: a failure of the method under test, never a catch.
  bool explained = false;
  std::string detail;              // one line: why this outcome
  std::vector<FaultEvent> faults;  // the fault timeline, in time order
  std::vector<FaultExercise> exercise;  // the plan's faults, fired or not
  // Every planned fault fired and a check ran (or the step's expected clean
  // failure or refusal happened). nullopt: unknown (a report that lacks it).
  std::optional<bool> exercised;
  // Database pages a copied backup held past the end of its copied logs (the
  // coverage invariant), summed over the trial's checks.
  uint64_t uncovered_pages = 0;
  // Commits acknowledged while the backup copied database pages (or, for an
  // incremental, logs), summed over the trial's backups.
  uint64_t commits_during_copy = 0;
  // The order a backup program saw directories listed in ("" = not recorded):
  // "logs_first", "shuffle" or "none seen" (a program that sorts or is static).
  std::string listing_order;
  std::string replay;              // "bdbsim replay <TOKEN>"
  double duration_ms = 0, recovery_ms = 0;
  double commits_per_sec_during_backup = 0;
  uint64_t acked = 0, checked = 0, missing = 0, lost_suffix = 0;
  // A failing trial's sandbox, kept for replay within the campaign's bound
  // (sandbox_keeper.h): where it is ("" = not kept), the bytes it takes, and
  // for one that was removed, why ("dropped for the bound: ...").
  std::string sandbox;
  uint64_t sandbox_bytes = 0;
  std::string sandbox_dropped;
};

// Number of trials per outcome; computed from the trials, never stored.
struct OutcomeCounts {
  int trials = 0, pass = 0, not_exercised = 0, detected = 0, clean_failure = 0, loss = 0;
  int hang = 0, harness_error = 0;
  int unexplained_detected = 0;  // DETECTED trials with explained == false
  int exercised = 0;             // trials known to be exercised, whatever their outcome
};

struct ScenarioResult {
  std::string name, description, expect, file;  // expect: "pass" | "caught"
  std::vector<TrialResult> trials;
  double min_exercised = 0.8;  // expect = "pass": the share of exercised trials needed
  double min_catch_rate = 0.5;  // expect = "caught": the catch rate the control claims (see Verdict)
};

struct RunReport {
  std::vector<ScenarioResult> scenarios;
  nlohmann::json settings = nlohmann::json::object();  // seed, trials, jobs, shard, command_line
  nlohmann::json versions = nlohmann::json::object();  // bdbsim, Berkeley DB, compiler
  double wall_ms = 0;
  std::string started_at;  // ISO 8601 UTC, e.g. "2026-11-23T18:15:00Z"
};

OutcomeCounts CountOutcomes(const ScenarioResult& scenario);
// Fraction of trials caught (TrialCaught; 0 when there are no trials).
double CatchRate(const ScenarioResult& scenario);
// Wilson score interval (95%) of the catch rate: {low, high} in [0, 1].
std::pair<double, double> CatchRateInterval(const ScenarioResult& scenario);
// Wilson score interval (95%) of a proportion of `successes` in `n` trials
// ({0, 1} when n is 0). Also used for certification's per-device loss rate.
std::pair<double, double> WilsonInterval95(uint64_t successes, uint64_t n);
// True when this trial breaks its scenario's expectation on its own: a HANG
// or a HARNESS_ERROR in any scenario; for expect = "pass" also a LOSS or an
// unexplained DETECTED.
bool TrialFails(const ScenarioResult& scenario, const TrialResult& trial);
// True when the oracle or a tool noticed the trial's fault: LOSS, or an
// explained DETECTED.
bool TrialCaught(const TrialResult& trial);
// "PASS" when the scenario met its expectation, else "FAIL". No trial may
// fail (TrialFails). expect = "pass": at least min_exercised of the trials
// are known to be exercised. expect = "caught": at least one trial ran and
// the 95% interval of the catch rate does not lie wholly below
// min_catch_rate (so five trials without a catch fail a claim of 50%, two do
// not). Any other expect is "FAIL".
std::string Verdict(const ScenarioResult& scenario);
// One line on why the verdict is what it is, e.g. "2 of 100 trials lost
// acknowledged commits, 1 unexplained DETECTED" or "caught 37 of 100 trials (37.0%)".
std::string VerdictReason(const ScenarioResult& scenario);
// Every scenario's verdict is "PASS".
bool AllMet(const RunReport& report);
// For one shard of a run: every "pass" scenario met its expectation. "caught"
// scenarios are judged only after merge (a shard may hold none of the catches).
bool ShardMet(const RunReport& report);

// One line on the kept sandboxes of a run ("" when no trial kept or dropped
// one): how many are kept, their bytes, the bound, where they are and why
// there (settings "keep_sandboxes", "keep_sandboxes_mib", "sandbox_root",
// "sandbox_root_in_memory", "kept_sandboxes_in"), and how many were dropped.
std::string DescribeKeptSandboxes(const RunReport& report);
// One line on one trial's sandbox: "sandbox kept: PATH (12.3 MiB)",
// "sandbox dropped (12.3 MiB): WHY", or "" when it had none to keep.
std::string DescribeTrialSandbox(const TrialResult& trial);

// What a replay must reproduce: the outcome (with DETECTED split into
// explained and unexplained) and which planned faults fired.
struct ReplayExpectation {
  // P PASS, N NOT_EXERCISED, C CLEAN_FAILURE, D DETECTED, U unexplained DETECTED,
  // E HARNESS_ERROR, H HANG, L LOSS
  char outcome = 'P';
  uint32_t faults = 0;   // FaultSignature of the trial
  bool operator==(const ReplayExpectation&) const = default;
};
ReplayExpectation ExpectationOf(const TrialResult& trial);
// FNV-1a of "kind@step=fired;" over the trial's exercise records, low 32 bits.
uint32_t FaultSignature(const std::vector<FaultExercise>& exercise);
// "PASS", "DETECTED (unexplained)", ... for an expectation's outcome letter.
std::string DescribeExpectedOutcome(char outcome);

// Replay tokens: "<scenario>.<seed as 16 lowercase hex digits>" and, when the
// trial's result is known, ".<outcome letter><fault signature as 8 hex>".
// Scenario bytes outside [A-Za-z0-9._-] are written as %XX (uppercase hex), so
// the token is safe in a URL and in a shell word. REQUIRES: scenario is not empty.
std::string MakeReplayToken(const std::string& scenario, uint64_t seed);
std::string MakeReplayToken(const std::string& scenario, uint64_t seed, const ReplayExpectation& expected);
// Strict inverse of MakeReplayToken: only tokens it could have produced.
// *expected is nullopt for a token without the result part.
Status ParseReplayToken(const std::string& token, std::string* scenario, uint64_t* seed,
                        std::optional<ReplayExpectation>* expected = nullptr);
// "bdbsim replay <token>".
std::string ReplayLine(const std::string& scenario, uint64_t seed);
// "bdbsim replay <token with the trial's result>".
std::string ReplayLine(const TrialResult& trial);
// trial.replay, or ReplayLine(trial.scenario, trial.seed) when that is empty.
std::string TrialReplay(const TrialResult& trial);

// The seed of trial `index` of `scenario` in a run seeded with run_seed:
// splitmix64 chained over run_seed, FNV-1a-64(scenario) and index. Stable
// across platforms and releases (tests pin golden values).
uint64_t TrialSeed(uint64_t run_seed, const std::string& scenario, int index);

// The seed as 16 lowercase hex digits, as in tokens and report.json.
std::string SeedHex(uint64_t seed);
// Strict inverse of SeedHex: exactly 16 lowercase hex digits.
bool ParseSeedHex(const std::string& hex, uint64_t* seed);

}  // namespace bdb::sim
