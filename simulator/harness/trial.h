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

#include "base/random.h"
#include "engine/bdb/database_file.h"
#include "engine/bdb/environment_password.h"
#include "engine/copy/page_checksum.h"
#include "base/file_io.h"
#include "engine/bdb/log_names.h"
#include "engine/recovery/recovery.h"
#include "engine/repository/repository_key.h"
#include "engine/repository/repository.h"
#include "engine/restore/log_coverage.h"
#include "engine/restore/restore.h"
#include "engine/copy/content_hash.h"
#include "engine/restore/verify.h"
#include "engine/upkeep/expire.h"
#include "simulator/agent/backup_agent.h"
#include "simulator/agent/plan_codec.h"
#include "simulator/harness/app_oracle.h"
#include "simulator/harness/argv_template.h"
#include "simulator/faults/journaled_file_io.h"
#include "simulator/faults/power_cut.h"
#include "simulator/harness/child_process.h"
#include "simulator/harness/listing_shim_log.h"
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

// The wall clock in ms (CLOCK_REALTIME), as the ledger stamps acknowledgements.
inline int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
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
  std::string dest;  // command backups: the copy the harness took of what the program left
  uint64_t cutoff = 0;
  int64_t start_ms = 0;
};

struct BackupAttempt {
  int step = 0;  // the backup step that made it
  bool published = false;
  bool crashed = false;
  // Nothing was published, as the scenario expected: an injected I/O error
  // failed it cleanly, or the engine refused it for the documented cause.
  bool ended_as_expected = false;
  bool expired = false;  // an expire step removed it
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
  // The step reads the running workload's commits or its live environment:
  // it waits for commits, copies under load, crashes or cuts the workload,
  // quiesces or resumes it, recovers its environment, or restores with its
  // live logs, to a point in time (which needs commits after the point) or
  // under a power cut (which the workload dies in too).
  static bool ReadsWorkloadCommits(const Step& step);
  // The 1-based index of the last step that ReadsWorkloadCommits (0: none).
  int LastStepReadingWorkload() const;
  // No later step reads the workload's commits: it is stopped (SIGSTOP), so
  // its load no longer competes with the checks; the end of the trial kills
  // it as always. Not when a fault of the workload's own (a crash at its
  // n-th write, an I/O error) is planned: it must be free to reach it.
  void FreezeWorkload();
  double MsSinceStart() const;
  void Narrate(const std::string& line);
  void Fault(const std::string& kind, const std::string& detail, double at_ms = -1);
  // The planned fault (kind, step) fired: the first such record not yet marked.
  void Fired(FaultKind kind, int step, const std::string& hit);
  // A planned fault that did not fire: why (shown with NOT_EXERCISED).
  void NotFired(FaultKind kind, int step, const std::string& why);
  // A detection is explained only when it names what a fired fault in scope
  // touched; in an expect = "pass" scenario only the live environment's
  // touches explain (a backup the method made must restore, whatever happened).
  bool Explained(const DetectionScope& scope, const std::string& detection);
  // A page-only detection (BDB's recovery names no file) is explained by a
  // touch that tore that page only when the page fails its checksum in that file.
  bool PageStillTorn(const FaultTouch& touch, const std::string& detection);
  void Detected(const DetectionScope& scope, const std::string& detail);
  // Which touches explain a detection in a restore of `attempt`: the steps of
  // its chain (the backup and its parents) and the archive steps before it.
  DetectionScope ChainScope(const BackupAttempt& attempt, bool live);
  // While on, the workload commits past its target: load for as long as a step copies.
  void SetLoad(bool on);
  // True when a planned fault of `step` other than copy_under_load fired.
  bool StepFaultFired(int step) const;
  // SetLoad(true), then wait (bounded) until the writers commit again; false
  // when they did not (the copy then runs without load).
  bool LoadUntilCommitting();
  // One result of the trial; ConcludeTrial ranks them all at the end.
  void Record(Outcome o, const std::string& detail, bool explained = false);
  // A step returned an error: a timeout is a HANG (with the step and how long
  // it ran), anything else the harness's own failure.
  void StepFailed(const std::string& what, const Status& s);
  Status Setup();
  // workload.command: starts the application (the BDB hooks preloaded when
  // the trial journals, crashes or fails its writes) and waits for its first ack.
  Status StartApplication();
  // The environment that preloads the BDB hooks into the application, or
  // none when the trial needs no hook.
  Status HookEnvironment(std::vector<std::string>* env) const;
  // Acknowledgements the ledger had received by `cutoff` (a ledger seq).
  uint64_t AcksUpTo(uint64_t cutoff) const;
  // The live environment's log directory (its DB_CONFIG's set_lg_dir).
  std::string LiveLogDir() const;
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
  // copy_under_load: fired when commits were acknowledged inside the window
  // in which the backup copied database pages (or, for an incremental, logs).
  void JudgeLoad(const Step& step, const BackupAttempt& attempt, bool load_started, int64_t window_from_ms,
                 int64_t window_to_ms, const std::string& window_what);
  // A backup step with `refused`: nothing published and the documented cause,
  // or a failure of the method.
  void ExpectRefusal(const Step& step, const AgentResponse& response, bool published, BackupAttempt* attempt);
  Status EngineBackup(const Step& step, int ordinal, double started_ms, BackupAttempt* attempt,
                      int64_t* window_from_ms, int64_t* window_to_ms);
  Status CommandBackup(int ordinal, BackupAttempt* attempt, int64_t* window_from_ms, int64_t* window_to_ms);
  std::vector<std::string> ShimEnvironment(const std::string& shim_log) const;
  // What the listing shim saw: the listing order is recorded, and the copy
  // window narrowed to the program's first open and last close of a database file.
  void NoteShimObservations(const std::string& shim_log, int64_t started_unix_ms, int64_t ended_unix_ms,
                            int64_t* window_from_ms, int64_t* window_to_ms);
  Status FindSharedInodes(const std::string& dir, std::string* found);
  void ListTree(const std::string& root, const std::string& rel, std::vector<std::string>* out);

  Status Archive();
  // bdbackup expire --keep-full N; then every backup still listed must verify
  // (a kept incremental whose parent went is a failure of the method).
  Status Expire(const Step& step);
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
  // already_verified: databases DB->verify passed in `recovered` already
  // (verify's kept trial restore); the oracle does not verify them again.
  OracleReport Judge(const DetectionScope& scope, const std::string& what, const std::string& recovered,
                     uint64_t cutoff, bool allow_lost_suffix, int64_t absent_from_unix_ms = 0,
                     const std::vector<std::string>& already_verified = {});
  // Verifies the backup, then restores it and runs the oracle. A check to
  // the end of the backup's logs without live logs or a power cut needs
  // exactly the environment verify's trial restore makes: verify keeps it
  // (with every check restore makes before recovery) and the oracle reads
  // it; the others restore again as asked.
  // The same for an application (workload.command): the exact prefix oracle
  // (app_oracle.h), its verdict recorded as the built-in oracle's would be.
  OracleReport JudgeApplication(const DetectionScope& scope, const std::string& what, const std::string& recovered,
                                uint64_t cutoff);
  Status RestoreCheck(const Step& step);
  // A check to a point in time or with live logs restores again (RunRestore),
  // then runs the oracle; for a point in time, whether it was exercised.
  Status RestoreAgain(const Step& step, const BackupAttempt& attempt, const DetectionScope& scope,
                      const std::string& target, double started);
  // until_txn's point lies before the chosen backup's full backup began (on a
  // loaded machine the agent can start after the workload committed past the
  // point): no restore of it can reach the point, so the point-in-time check
  // does not fire (NOT_EXERCISED), rather than restore refusing the harness's
  // impossible request. True when so.
  bool PointBeforeTheBackup(const BackupAttempt& attempt, int64_t point_unix_ms, int64_t until_txn);
  // A point-in-time check needs commits on both sides of the point: while the
  // workload runs, keep load on until one began after `unix_ms`, then for
  // kCommitsPastPoint more acknowledgements (bounded in time), so the check
  // that they are absent reads more than one.
  void WaitForCommitsAfter(int64_t unix_ms);
  Status CheckCommandBackup(const DetectionScope& scope, const PublishedBackup& backup, const std::string& target);
  bool CommandBackupCoversItsPages(const DetectionScope& scope, const std::string& target);
  Status CopyTree(const std::string& from, const std::string& to);
  Status RecoverCheck();
  // Whether a recovery may lose a suffix of acknowledged commits (the workload's durability and a power cut).
  bool LostSuffixAllowed() const;
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
  std::unique_ptr<AppOracle> app_oracle_;  // workload.command only
  std::vector<BackupAttempt> attempts_;
  const TrialPlan plan_;
  std::vector<FaultTouch> touched_;
  int step_ = 0;              // 1-based step being run
  int armed_crash_step_ = 0;  // the crash step whose SIGKILL is armed in the workload
  bool load_on_ = false;
  bool workload_dead_ = false, power_cut_ = false, stopped_ = false;
  bool workload_io_error_stopped_ = false;  // the workload met its injected I/O error and stopped
  bool workload_frozen_ = false;            // FreezeWorkload stopped it
  uint64_t crash_cutoff_ = 0;
  int archives_ = 0, restores_ = 0, oracle_runs_ = 0;
  int agent_runs_ = 0;
  std::string cut_phase_;  // the phase the last agent power cut landed in
  std::optional<AgentRequest> cut_request_;  // the backup or archive a power cut interrupted
  TrialEvidence evidence_;   // every finding, the checks run, what the last good check said
  double step_started_ms_ = 0;
  std::vector<int> archive_steps_;  // steps that ran an archive
};

}  // namespace bdb::sim::internal
