// Trial: the executor of one trial over its plan. It walks the scenario's
// steps (workload waits, crashes and power cuts; backups and archives in the
// agent process; restore and recovery checks), records for each planned fault
// whether it fired and what it touched, and hands what it observed to the pure
// rules of trial_classify.h. Internal to the harness: RunTrial (trial_runner.h)
// is the entry point. Not thread-safe; one Trial per thread.
#pragma once

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <optional>
#include <memory>
#include <random>
#include <set>
#include <thread>

#include "engine/bdb/environment_password.h"
#include "base/file_io.h"
#include "engine/bdb/log_names.h"
#include "engine/recovery/recovery.h"
#include "engine/repository/repository_key.h"
#include "engine/repository/repository.h"
#include "engine/restore/restore.h"
#include "engine/copy/content_hash.h"
#include "engine/restore/verify.h"
#include "simulator/agent/backup_agent.h"
#include "simulator/agent/plan_codec.h"
#include "simulator/faults/journaled_file_io.h"
#include "simulator/faults/power_cut.h"
#include "simulator/harness/child_process.h"
#include "simulator/harness/oracle.h"
#include "simulator/harness/oracle_process.h"
#include "simulator/harness/trial_classify.h"
#include "simulator/harness/trial_runner.h"
#include "simulator/harness/trial_sandbox.h"
#include "simulator/plan/trial_plan.h"
#include "simulator/workload/workload_config.h"
#include "simulator/workload/workload_process.h"

namespace bdb::sim::internal {

inline constexpr std::chrono::milliseconds kAckTimeout(120000);
inline constexpr int kAgentTimeoutMs = 180000;
inline constexpr int kCommandTimeoutMs = 180000;
// The oracle's reader process (a restored environment of up to 20 x txns commits).
inline constexpr int kOracleTimeoutMs = 300000;

inline int Rank(Outcome o) {
  switch (o) {
    case Outcome::kPass:
      return 0;
    case Outcome::kNotExercised:
      return 1;
    case Outcome::kCleanFailure:
      return 2;
    case Outcome::kDetected:
      return 3;
    case Outcome::kLoss:
      return 4;
  }
  return 4;
}

// How far time(2) (a coarse clock) may trail the precise clock; generous.
inline constexpr int64_t kCoarseClockMarginMs = 100;
// Past its target the workload keeps a moderate load (each writer sleeps this
// long per txn), so a long copy does not grow the environment without bound.
inline constexpr uint64_t kLoadPaceUs = 2000;
// How long a step waits for the writers to commit again once load is on.
inline constexpr std::chrono::milliseconds kLoadResumeTimeout(5000);
// How long a point-in-time check waits for a commit after its point.
inline constexpr std::chrono::milliseconds kCommitsAfterPointTimeout(5000);
inline constexpr uint64_t kCommitsPastPoint = 50;
// A power_loss step on a running workload cuts after this many more commits.
inline constexpr uint64_t kCommitsBeforeCut = 20;
// How long an armed workload crash may take to reach its write.
inline constexpr std::chrono::milliseconds kArmedCrashTimeout(60000);

struct PublishedBackup {
  std::string id;    // engine backups
  std::string dest;  // command backups: the directory the program filled
  uint64_t cutoff = 0;
  int64_t start_ms = 0;
};

struct BackupAttempt {
  int step = 0;  // the backup step that made it
  bool published = false;
  bool crashed = false;
  PublishedBackup backup;
};

class Trial {
 public:
  // Plans the trial (PlanTrial); nothing runs until Run.
  Trial(const Scenario& sc, uint64_t seed, int index, const RunnerOptions& options);
  // Runs every step, then concludes the outcome. Call once.
  TrialResult Run();

 private:
  static bool NeedsLiveWorkload(Step::Action a);
  double MsSinceStart() const;
  void Narrate(const std::string& line);
  void Fault(const std::string& kind, const std::string& detail, double at_ms = -1);
  // The planned fault (kind, step) fired: the first such record not yet marked.
  void Fired(FaultKind kind, int step, const std::string& hit);
  // A planned fault that did not fire: why (shown with NOT_EXERCISED).
  void NotFired(FaultKind kind, int step, const std::string& why);
  // A detection is explained only when it names a file a fired fault touched.
  bool Explained(const DetectionScope& scope, const std::string& detection);
  void Detected(const DetectionScope& scope, const std::string& detail);
  // While on, the workload commits past its target: load for as long as a step copies.
  void SetLoad(bool on);
  // True when a planned fault of `step` other than copy_under_load fired.
  bool StepFaultFired(int step) const;
  // SetLoad(true), then wait (bounded) until the writers commit again.
  void LoadUntilCommitting();
  // The harness could not carry out a step: an unexplained DETECTED that no
  // tool produced (it never counts as caught).
  void HarnessError(const std::string& detail);
  // Keeps the worst outcome seen; the detail of the first worst one wins.
  // True when this one became the trial's outcome.
  bool Classify(Outcome o, const std::string& detail, bool explained);
  Status Setup();
  // A workload I/O error that fired without stopping the workload (BDB can
  // absorb a failed page write in an eviction and use another buffer) is on
  // the timeline too.
  void NoteAbsorbedWorkloadIoError();
  Status RunStep(const Step& step);
  // The workload died on its own: a seeded crash point, or a real failure.
  Status WorkloadEnded(const Status& waited);
  Status WaitTxns(int64_t txns);
  Status WaitDone();
  // This step's agent request: its part of the plan, typed.
  AgentRequest StepAgentRequest(AgentOp op);
  Status RunAgent(const AgentRequest& request, int ordinal, AgentResponse* response, ChildResult* child);
  // The agent's timeline, and the files its fired faults touched.
  void RecordAgentFaults(const AgentResponse& response, double started_ms);
  // A backup or archive agent SIGKILLed at its planned read: the crash fired;
  // under faults.power_loss the whole machine goes down with it.
  Status AgentCrashed(const AgentRequest& request, const ChildResult& child, double started_ms);
  Status Backup(const Step& step);
  Status EngineBackup(const Step& step, int ordinal, double started_ms, BackupAttempt* attempt);
  Status CommandBackup(int ordinal, BackupAttempt* attempt);
  Status Archive();
  // Every log number from the first ever written to the newest is in the environment or the archive.
  Status CheckNoLogLost();
  // A crash step on the workload arms its SIGKILL at the planned n-th write
  // from now and keeps load on until it lands; backup/archive crashes are in
  // the plan of the step they hit.
  Status Crash(const Step& step);
  // The harness kills the workload (recover_check without an earlier crash).
  Status KillWorkload();
  // The machine loses power while the workload runs: load goes on until the
  // workload has committed a little more (so writes are in flight), then the cut.
  Status PowerLoss(PowerLossMode mode);
  // Applies the cut planned for `step`; it fired when it lost something, and
  // every file it tore or dropped writes of is touched (explains a detection).
  // *described (optional): the cut's one-line summary.
  Status PowerCut(int step, PowerLossMode mode, std::string* described = nullptr);
  // The step's planned power cut in the agent's write path: the agent died at
  // it (or ran out of operations first: the cut comes right after it exited);
  // the machine goes down, the cut is applied, the phase it landed in
  // recorded, and the repository checked (CheckRepositoryAfterCut).
  Status AgentPowerCut(const AgentRequest& request, const ChildResult& child, const AgentResponse& response,
                       double started_ms);
  // After a cut on the backup side: every log number ever created is in the
  // environment or the archive; every listed backup verifies; every backup
  // published (the agent exited 0) before the cut is still listed. A listed
  // backup that does not verify is an invalid backup published: LOSS.
  Status CheckRepositoryAfterCut();
  // Every archived log matches its sidecar, and every log below the
  // environment's first is readable in the archive.
  Status CheckArchivedLogs();
  // restore_check with a power_cut: the restore runs in the agent and is cut;
  // the repository must be untouched, and the target redone by a re-run (or
  // refused clearly, then redone with --force) and pass the oracle.
  // After a cut in a backup or archive: the same command, without faults, on
  // the recovered environment and the cut repository must complete, and
  // what it publishes must verify.
  void RerunAfterCut(const std::string& recovered_home);
  Status RestoreUnderPowerCut(const Step& step, const BackupAttempt& attempt, const DetectionScope& scope,
                              const std::string& target);
  // Runs the oracle on a recovered environment and classifies what it finds.
  // Returns the oracle's report.
  OracleReport Judge(const DetectionScope& scope, const std::string& what, const std::string& recovered,
                     uint64_t cutoff, bool allow_lost_suffix, int64_t absent_from_unix_ms = 0);
  Status RestoreCheck(const Step& step);
  // A point-in-time check needs commits on both sides of the point: while the
  // workload runs, keep load on until one began after `unix_ms`, then for
  // kCommitsPastPoint more acknowledgements (bounded in time), so the check
  // that they are absent reads more than one.
  void WaitForCommitsAfter(int64_t unix_ms);
  Status CheckCommandBackup(const DetectionScope& scope, const PublishedBackup& backup, const std::string& target);
  Status CopyTree(const std::string& from, const std::string& to);
  Status RecoverCheck();
  Status PromoteStandby();
  Status Quiesce();
  Status Resume();
  void ListIds(std::vector<std::string>* ids);

  const Scenario& sc_;
  const uint64_t seed_;
  const RunnerOptions& options_;
  const std::chrono::steady_clock::time_point started_;
  TrialResult result_;
  TrialSandbox sandbox_;
  std::string home_, repo_;
  WorkloadConfig config_;
  // This trial's password (workload.encrypt) or none, for every engine call
  // and oracle open on this thread; set in Setup.
  std::unique_ptr<ScopedThreadPassword> password_scope_;
  // backup.encrypt: the trial's fresh repository key (hex, for the agent) and
  // its scope on this thread (verify, restore and the checks read with it).
  std::string repository_key_hex_;
  RepositoryKey repository_key_;
  std::unique_ptr<ScopedThreadRepositoryKey> repository_key_scope_;
  std::unique_ptr<WorkloadProcess> workload_;
  std::vector<BackupAttempt> attempts_;
  const TrialPlan plan_;
  std::vector<FaultTouch> touched_;
  int step_ = 0;              // 1-based step being run
  int armed_crash_step_ = 0;  // the crash step whose SIGKILL is armed in the workload
  bool load_on_ = false;
  bool workload_dead_ = false, power_cut_ = false, stopped_ = false;
  bool workload_io_error_stopped_ = false;  // the workload met its injected I/O error and stopped
  uint64_t crash_cutoff_ = 0;
  int archives_ = 0, restores_ = 0, checks_ = 0;
  int agent_runs_ = 0;
  std::string cut_phase_;  // the phase the last agent power cut landed in
  std::optional<AgentRequest> cut_request_;  // the backup or archive a power cut interrupted
  std::string pass_detail_;
};

}  // namespace bdb::sim::internal
