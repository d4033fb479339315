// Pure rules that turn what a trial observed into its outcome: whether a
// detection is explained by a fault that fired (it names a file that fault
// touched), which planned faults never fired, and the final outcome once the
// steps are done (a PASS whose faults did not all fire is NOT_EXERCISED).
// No I/O; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "simulator/report/trial_result.h"

namespace bdb::sim {

// A file that a fault which fired changed or failed on.
struct FaultTouch {
  std::string kind;             // torn_read, mmap_fault, io_error, power_loss
  std::string file;             // a path (only its last component is matched)
  std::string what;             // "page 12 spliced", "torn write at 8192"
  int step = 0;                 // where: 0 = the live environment, n = what backup/archive step n wrote
  std::vector<uint64_t> pages;  // database pages it tore, if known
};

// Which touches can explain a detection: those on the live environment when
// it is involved, and those of backup steps up to max_step (the restored
// backup's chain).
struct DetectionScope {
  bool live = false;
  int max_step = 0;
};

// The touch a detection names: the first in scope whose file name (last path
// component) appears in `detection` as a whole word (delimited by quotes,
// slashes, spaces, ':' or ',' or the ends); or, for a detection that names no
// touched file but a "page N" (BDB's checksum errors in recovery name only the
// page), the first in scope that tore page N. Else nullptr.
const FaultTouch* ExplainingTouch(const std::vector<FaultTouch>& touched, const DetectionScope& scope,
                                  const std::string& detection);

// "torn_read@3, crash@0": the planned faults that did not fire; "" when all did.
std::string UnfiredFaults(const std::vector<FaultExercise>& exercise);

// Applies the end-of-trial rule: exercised = every planned fault fired; a
// PASS that is not exercised becomes NOT_EXERCISED with the unfired faults
// in its detail. Other outcomes keep their class (a LOSS is a LOSS).
void ConcludeTrial(TrialResult* trial);

// "" when `now` reproduces `expected` (same outcome, same planned faults
// fired), else what differed: "outcome PASS, the original was LOSS; the
// faults that fired differ (now fired: crash@2; not fired: torn_read@3)".
std::string ReplayDifference(const ReplayExpectation& expected, const TrialResult& now);

}  // namespace bdb::sim
