// AppOracle: the exact prefix oracle for an application run as a trial's
// workload (workload.command). The application numbers its operations 1, 2,
// 3, ... in commit order and acknowledges each; the scenario names three of
// its commands: replay (builds, in an empty {dest}, the state after exactly
// the first {n} operations), dump (a canonical dump of {home} on stdout) and
// count (how many operations {home} holds). A recovered state (a restore, or
// the live environment after a crash) is judged in this order:
//   1. DB->verify of every database file in it, found by reading the home
//      (each file in the home and its DB_CONFIG data directories whose first
//      page is a BDB meta page): a failure is DETECTED;
//   2. count: M, which must be at least the operations acknowledged before
//      the backup began (or the crash), else LOSS, and at most those ever
//      acknowledged plus kUnackedMargin (commits whose ack was not yet
//      written), else LOSS (the state holds operations nobody ran);
//   3. dump of the state, and dump of replay(M) (cached per M for the
//      trial), equal byte for byte, else LOSS naming the first differing lines.
// count or dump failing on the state is LOSS (the application cannot read
// what it acknowledged); replay or dump failing on a replayed state, or a
// count that prints no number, is HARNESS_ERROR (the oracle's own tools are
// broken); any of them past its time limit is HANG.
// Every BDB access runs in another process (the application's commands, the
// recovery helper's DB->verify), so a crash there never ends the harness.
// Not thread-safe: one AppOracle per trial.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "simulator/plan/scenario.h"
#include "simulator/report/trial_result.h"

namespace bdb::sim {

// What one check found. outcome: kPass, kDetected, kLoss, kHang or kHarnessError.
struct AppVerdict {
  Outcome outcome = Outcome::kPass;
  std::string detail;       // what failed, or a summary when it held
  bool counted = false;     // count printed M
  uint64_t count = 0;       // M
  uint64_t dump_lines = 0;  // lines of the state's dump (records read)
  uint64_t missing = 0;     // acknowledged operations the state lacks
  bool unreadable = false;  // LOSS because count or dump failed on the state
};

class AppOracle {
 public:
  // Operations a state may hold beyond every ack received: committed, their
  // ack not yet written when the state was taken.
  static constexpr uint64_t kUnackedMargin = 64;

  // bin_dir replaces "{bin}"; replays are built in work_dir/replay-<M>.
  AppOracle(ApplicationSpec spec, std::string bin_dir, std::string work_dir, int timeout_ms);

  // Judges the recovered state at `home`. acked_before: operations
  // acknowledged before the backup began (or the crash); acked_ever: every
  // ack received so far.
  AppVerdict Check(const std::string& home, uint64_t acked_before, uint64_t acked_ever);

  // The database files of a home, relative to it, sorted (step 1).
  static Status FindDatabases(const std::string& home, std::vector<std::string>* rel_paths);

  // "" when equal; else where two dumps first differ, with up to three lines
  // of each from there: "first difference at line 37: restored 'x' | 'y';
  // replayed 'z'" (lines cut at 160 characters).
  static std::string FirstDifference(const std::string& restored, const std::string& replayed);

 private:
  // Runs one of the scenario's commands; *out its stdout. A failure fills *v
  // (a timeout: HANG; else `failed` with the last stderr line) and returns false.
  bool RunCommand(const std::vector<std::string>& argv, const std::string& what, Outcome failed, std::string* out,
                  AppVerdict* v);
  // The dump of replay(n), built once per n.
  bool ReplayedDump(uint64_t n, std::string* dump, AppVerdict* v);

  const ApplicationSpec spec_;
  const std::string bin_dir_, work_dir_;
  const int timeout_ms_;
  std::map<uint64_t, std::string> replays_;  // n -> dump of the replayed state
};

}  // namespace bdb::sim
