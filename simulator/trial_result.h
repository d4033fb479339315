// Trial results: what one simulator run produced, as plain data. The trial
// runner fills TrialResults; the report writers (JSON, JUnit, HTML, table) and
// the shard merge read them. This module knows nothing of Berkeley DB.
// Verdict rules are DESIGN.md's "Outcome classes". Everything here is a plain
// value or a pure function: safe to use from any thread on separate objects.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/status.h"

namespace bdb::sim {

enum class Outcome { kPass, kDetected, kCleanFailure, kLoss };

// "PASS", "DETECTED", "CLEAN_FAILURE", "LOSS".
const char* OutcomeName(Outcome outcome);
// Exact (case-sensitive) inverse of OutcomeName; false for anything else.
bool ParseOutcome(const std::string& name, Outcome* outcome);

// One injected fault, at a time relative to the start of the trial.
struct FaultEvent {
  double at_ms = 0;
  std::string kind;    // crash, power_loss, torn_read, mmap_fault, io_error
  std::string detail;  // e.g. "SIGKILL after 812 commits", "EIO on pwrite #41"
};

struct TrialResult {
  std::string scenario;
  uint64_t seed = 0;  // the trial's own seed (TrialSeed), replays it exactly
  int index = 0;      // 0-based trial number within the scenario
  Outcome outcome = Outcome::kPass;
  // Only for DETECTED: true when the scenario injected a fault that a tool is
  // expected to flag, so the detection is the tool doing its job.
  bool explained = false;
  // Only for DETECTED: the harness itself could not carry out a step (setup
  // failed, a wait timed out), so no tool judged the backup. Such a trial
  // never counts as caught, and fails an expect = "pass" scenario.
  bool harness_error = false;
  std::string detail;              // one line: why this outcome
  std::vector<FaultEvent> faults;  // the fault timeline, in time order
  std::string replay;              // "bdbsim replay <TOKEN>"
  double duration_ms = 0, recovery_ms = 0;
  double commits_per_sec_during_backup = 0;
  uint64_t acked = 0, checked = 0, missing = 0, lost_suffix = 0;
  std::string sandbox;  // kept directory of a failing trial, else ""
};

// Number of trials per outcome; computed from the trials, never stored.
struct OutcomeCounts {
  int trials = 0, pass = 0, detected = 0, clean_failure = 0, loss = 0;
  int unexplained_detected = 0;  // DETECTED trials with explained == false
};

struct ScenarioResult {
  std::string name, description, expect, file;  // expect: "pass" | "caught"
  std::vector<TrialResult> trials;
};

struct RunReport {
  std::vector<ScenarioResult> scenarios;
  nlohmann::json settings = nlohmann::json::object();  // seed, trials, jobs, shard, command_line
  nlohmann::json versions = nlohmann::json::object();  // bdbsim, Berkeley DB, compiler
  double wall_ms = 0;
  std::string started_at;  // ISO 8601 UTC, e.g. "2026-11-23T18:15:00Z"
};

OutcomeCounts CountOutcomes(const ScenarioResult& scenario);
// Fraction of trials that were DETECTED or LOSS (0 when there are no trials).
double CatchRate(const ScenarioResult& scenario);
// True when this trial breaks its scenario's expectation on its own: for
// expect = "pass", a LOSS or an unexplained DETECTED. Never true for "caught".
bool TrialFails(const ScenarioResult& scenario, const TrialResult& trial);
// True when a tool or the oracle noticed the trial's fault (LOSS, or DETECTED
// that is not a harness error).
bool TrialCaught(const TrialResult& trial);
// "PASS" when the scenario met its expectation, else "FAIL". expect = "pass":
// no trial fails; expect = "caught": at least one trial was caught. Any other
// expect value is "FAIL".
std::string Verdict(const ScenarioResult& scenario);
// One line on why the verdict is what it is, e.g. "2 of 100 trials lost
// acknowledged commits, 1 unexplained DETECTED" or "caught 37 of 100 trials (37.0%)".
std::string VerdictReason(const ScenarioResult& scenario);
// Every scenario's verdict is "PASS".
bool AllMet(const RunReport& report);
// For one shard of a run: every "pass" scenario met its expectation. "caught"
// scenarios are judged only after merge (a shard may hold none of the catches).
bool ShardMet(const RunReport& report);

// Replay tokens: "<scenario>.<seed as 16 lowercase hex digits>". Scenario bytes
// outside [A-Za-z0-9._-] are written as %XX (uppercase hex), so the token is
// safe in a URL and in a shell word. REQUIRES: scenario is not empty.
std::string MakeReplayToken(const std::string& scenario, uint64_t seed);
// Strict inverse of MakeReplayToken: only tokens it could have produced.
Status ParseReplayToken(const std::string& token, std::string* scenario, uint64_t* seed);
// "bdbsim replay <token>".
std::string ReplayLine(const std::string& scenario, uint64_t seed);
// trial.replay, or ReplayLine(trial.scenario, trial.seed) when that is empty.
std::string TrialReplay(const TrialResult& trial);

// The seed of trial `index` of `scenario` in a run seeded with run_seed:
// splitmix64 chained over run_seed, FNV-1a-64(scenario) and index. Stable
// across platforms and releases (tests pin golden values).
uint64_t TrialSeed(uint64_t run_seed, const std::string& scenario, int index);
// FNV-1a 64-bit hash of the bytes of s (also used by sharding).
uint64_t Fnv1a64(const std::string& s);
// The splitmix64 finalizer applied to x + golden gamma.
uint64_t SplitMix64(uint64_t x);

// The seed as 16 lowercase hex digits, as in tokens and report.json.
std::string SeedHex(uint64_t seed);
// Strict inverse of SeedHex: exactly 16 lowercase hex digits.
bool ParseSeedHex(const std::string& hex, uint64_t* seed);

}  // namespace bdb::sim
