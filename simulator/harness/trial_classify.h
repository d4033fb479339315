// Pure rules that turn what a trial observed into its outcome. Every result a
// trial produces (each backup, archive, verify, restore, recovery, oracle
// check, harness error or timeout) is a TrialFinding; ConcludeTrial ranks them
// all with Severity (trial_result.h) and the worst wins. A trial with no bad
// finding is PASS only when every planned fault fired and a check ran (or the
// step's expected clean failure or refusal happened); else NOT_EXERCISED.
// Explanations: a detection is explained only when it names what a fault that
// fired, within the checked scope, touched. No I/O; thread-safe.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "simulator/report/trial_result.h"

namespace bdb::sim {

// One result of a trial. PASS findings are not recorded (a PASS is the
// absence of worse); NOT_EXERCISED findings say why a step proved nothing.
struct TrialFinding {
  Outcome outcome = Outcome::kPass;
  bool explained = false;  // DETECTED only
  std::string detail;
};

// The worst finding (highest Severity; of equal ones, the first), or nullptr
// when there are none.
const TrialFinding* WorstFinding(const std::vector<TrialFinding>& findings);

// Everything ConcludeTrial reads.
struct TrialEvidence {
  std::vector<TrialFinding> findings;
  std::vector<FaultExercise> exercise;  // the plan's faults, fired or not
  int checks = 0;                       // restores, recoveries and promotions judged (by a tool or the oracle)
  int expected_endings = 0;             // expected refusals met
  std::string pass_detail;              // what the last check that held said
};

struct TrialConclusion {
  Outcome outcome = Outcome::kPass;
  bool explained = false;
  bool exercised = false;
  std::string detail;
};

// The trial's outcome: the worst finding; without a bad one, NOT_EXERCISED
// when a planned fault did not fire or nothing was checked (no check ran, no
// clean failure, no expected refusal), else PASS. exercised = every planned
// fault fired and something was checked (a check, a CLEAN_FAILURE or an
// expected refusal), whatever the outcome.
TrialConclusion ConcludeTrial(const TrialEvidence& evidence);

// A file that a fault which fired changed or failed on.
struct FaultTouch {
  std::string kind;             // torn_read, mmap_fault, io_error, power_loss, method
  std::string file;             // a path (only its last component is matched)
  std::string what;             // "page 12 spliced", "torn write at 8192"
  int step = 0;                 // where: 0 = the live environment, n = what backup/archive step n wrote
  std::vector<uint64_t> pages;  // database pages it tore, if known
};

// Which touches can explain a detection: those on the live environment when
// it is involved, and those of the backup and archive steps whose files the
// check read (the restored backup's chain).
struct DetectionScope {
  bool live = false;
  std::set<int> steps;
};

// The touch a detection names: the first in scope whose file name (last path
// component) appears in `detection` as a whole word (delimited by quotes,
// slashes, spaces, ':' or ',' or the ends) and, when the touch tore known
// pages and the detection names pages ("page N"), one of those pages. A page
// alone never explains (the same page number exists in every file); for
// BDB's recovery, which names only the page, see PageOnlyCandidates. Else nullptr.
const FaultTouch* ExplainingTouch(const std::vector<FaultTouch>& touched, const DetectionScope& scope,
                                  const std::string& detection);

// For a detection that names a page but no touched file (BDB 5.3's recovery
// checksum errors): the in-scope touches that tore that page, each to be
// confirmed by reading the page in its file (the caller's I/O).
std::vector<const FaultTouch*> PageOnlyCandidates(const std::vector<FaultTouch>& touched,
                                                  const DetectionScope& scope, const std::string& detection);

// "torn_read@3, crash@0": the planned faults that did not fire; "" when all did.
std::string UnfiredFaults(const std::vector<FaultExercise>& exercise);

// "" when `now` reproduces `expected` (same outcome, same planned faults
// fired), else what differed: "outcome PASS, the original was LOSS; the
// faults that fired differ (now fired: crash@2; not fired: torn_read@3)".
std::string ReplayDifference(const ReplayExpectation& expected, const TrialResult& now);

}  // namespace bdb::sim
