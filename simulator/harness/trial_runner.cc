#include "simulator/harness/trial_runner.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>

#include <chrono>
#include <cmath>
#include <cerrno>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "engine/file_io.h"
#include "engine/log_names.h"
#include "engine/recovery.h"
#include "engine/repository.h"
#include "engine/restore.h"
#include "engine/verify.h"
#include "simulator/agent/backup_agent.h"
#include "simulator/harness/child_process.h"
#include "simulator/harness/oracle.h"
#include "simulator/faults/power_cut.h"
#include "simulator/harness/trial_classify.h"
#include "simulator/plan/trial_plan.h"
#include "simulator/agent/plan_codec.h"
#include "simulator/harness/trial_sandbox.h"
#include "simulator/workload/workload_config.h"
#include "simulator/workload/workload_process.h"

namespace bdb::sim {
namespace {

constexpr std::chrono::milliseconds kAckTimeout(120000);
constexpr int kAgentTimeoutMs = 180000;
constexpr int kCommandTimeoutMs = 180000;

int Rank(Outcome o) {
  switch (o) {
    case Outcome::kPass: return 0;
    case Outcome::kNotExercised: return 1;
    case Outcome::kCleanFailure: return 2;
    case Outcome::kDetected: return 3;
    case Outcome::kLoss: return 4;
  }
  return 4;
}

// How far time(2) (a coarse clock) may trail the precise clock; generous.
constexpr int64_t kCoarseClockMarginMs = 100;
// Past its target the workload keeps a moderate load (each writer sleeps this
// long per txn), so a long copy does not grow the environment without bound.
constexpr uint64_t kLoadPaceUs = 2000;
// How long a point-in-time check waits for a commit after its point.
constexpr std::chrono::milliseconds kCommitsAfterPointTimeout(5000);
// A power_loss step on a running workload cuts after this many more commits.
constexpr uint64_t kCommitsBeforeCut = 20;
// How long an armed workload crash may take to reach its write.
constexpr std::chrono::milliseconds kArmedCrashTimeout(60000);

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
  Trial(const Scenario& sc, uint64_t seed, int index, const RunnerOptions& options)
      : sc_(sc), seed_(seed), options_(options), started_(std::chrono::steady_clock::now()),
        plan_(PlanTrial(sc, seed)) {
    result_.scenario = sc.name;
    result_.seed = seed;
    result_.index = index;
    for (const PlannedFault& f : plan_.faults) result_.exercise.push_back({ToString(f.kind), f.step, f.description, false, ""});
  }

  TrialResult Run() {
    Status s = Setup();
    if (!s.ok()) {
      HarnessError("trial setup failed: " + s.message());
    } else {
      for (size_t i = 0; i < sc_.steps.size() && !stopped_; ++i) {
        const Step& step = sc_.steps[i];
        step_ = static_cast<int>(i) + 1;
        if (workload_dead_ && NeedsLiveWorkload(step.action)) {
          Narrate("skip " + std::string(ToString(step.action)) + " (the workload has crashed)");
          continue;
        }
        Narrate("step " + std::to_string(i + 1) + ": " + ToString(step.action));
        s = RunStep(step);
        SetLoad(false);
        if (!s.ok()) {
          HarnessError(std::string(ToString(step.action)) + ": " + s.message());
          break;
        }
      }
    }
    NoteAbsorbedWorkloadIoError();
    if (workload_) workload_->Kill();
    result_.duration_ms = MsSinceStart();
    if (result_.detail.empty()) result_.detail = checks_ > 0 ? pass_detail_ : "no check ran";
    ConcludeTrial(&result_);
    result_.replay = ReplayLine(result_);
    // Keep the sandbox of a trial that broke its scenario's expectation (or when asked).
    ScenarioResult expectation;
    expectation.expect = ToString(sc_.expect);
    if (TrialFails(expectation, result_) || options_.keep_sandboxes) {
      result_.sandbox = sandbox_.path();
      sandbox_.Keep();
    }
    return result_;
  }

 private:
  static bool NeedsLiveWorkload(Step::Action a) {
    switch (a) {
      case Step::Action::kRestoreCheck:
      case Step::Action::kRecoverCheck:
      case Step::Action::kPromoteStandby:
      case Step::Action::kPowerLoss:
        return false;
      default:
        return true;
    }
  }

  double MsSinceStart() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_).count();
  }
  void Narrate(const std::string& line) {
    if (options_.narrate) options_.narrate("[" + std::to_string(static_cast<int64_t>(MsSinceStart())) + " ms] " + line);
  }
  void Fault(const std::string& kind, const std::string& detail, double at_ms = -1) {
    result_.faults.push_back(FaultEvent{at_ms < 0 ? MsSinceStart() : at_ms, kind, detail});
    Narrate("fault " + kind + ": " + detail);
  }
  // The planned fault (kind, step) fired: the first such record not yet marked.
  void Fired(FaultKind kind, int step, const std::string& hit) {
    for (FaultExercise& e : result_.exercise) {
      if (e.kind == ToString(kind) && e.step == step && !e.fired) {
        e.fired = true;
        e.hit = hit;
        return;
      }
    }
  }
  // A planned fault that did not fire: why (shown with NOT_EXERCISED).
  void NotFired(FaultKind kind, int step, const std::string& why) {
    for (FaultExercise& e : result_.exercise) {
      if (e.kind == ToString(kind) && e.step == step && !e.fired && e.hit.empty()) {
        e.hit = why;
        return;
      }
    }
  }
  // A detection is explained only when it names a file a fired fault touched.
  bool Explained(const DetectionScope& scope, const std::string& detection) {
    const FaultTouch* touch = ExplainingTouch(touched_, scope, detection);
    if (touch != nullptr) Narrate("explained by " + touch->kind + " on '" + touch->file + "': " + touch->what);
    return touch != nullptr;
  }
  void Detected(const DetectionScope& scope, const std::string& detail) {
    Classify(Outcome::kDetected, detail, Explained(scope, detail));
  }

  // While on, the workload commits past its target: load for as long as a step copies.
  void SetLoad(bool on) {
    if (on == load_on_ || config_.load_file.empty()) return;
    load_on_ = on;
    if (on) {
      WriteFileAtomically(DefaultFileIO(), config_.load_file, "load\n", 0600);
    } else {
      DefaultFileIO()->RemoveFile(config_.load_file);
    }
  }
  // The harness could not carry out a step: an unexplained DETECTED that no
  // tool produced (it never counts as caught).
  void HarnessError(const std::string& detail) {
    if (Classify(Outcome::kDetected, detail, false)) result_.harness_error = true;
  }
  // Keeps the worst outcome seen; the detail of the first worst one wins.
  // True when this one became the trial's outcome.
  bool Classify(Outcome o, const std::string& detail, bool explained) {
    Narrate(std::string("outcome ") + OutcomeName(o) + ": " + detail);
    if (Rank(o) > Rank(result_.outcome) || (Rank(o) == Rank(result_.outcome) && result_.detail.empty() && o != Outcome::kPass)) {
      result_.outcome = o;
      result_.detail = detail;
      result_.explained = explained;
      result_.harness_error = false;
      return true;
    }
    return false;
  }

  Status Setup() {
    BDB_RETURN_IF_ERROR(sandbox_.Create(options_.sandbox_root, sc_.name, result_.index, seed_));
    home_ = sandbox_.Sub("home");
    repo_ = sandbox_.Sub("repo");
    const WorkloadSpec& w = sc_.workload;
    config_.seed = seed_;
    config_.home = home_;
    config_.txns = static_cast<uint64_t>(w.txns);
    config_.threads = static_cast<uint32_t>(w.threads);
    config_.keys_per_txn_min = static_cast<uint32_t>(w.keys_per_txn.min);
    config_.keys_per_txn_max = static_cast<uint32_t>(w.keys_per_txn.max);
    config_.value_bytes_min = static_cast<uint32_t>(w.value_bytes.min);
    config_.value_bytes_max = static_cast<uint32_t>(w.value_bytes.max);
    config_.abort_percent = static_cast<uint32_t>(w.abort_percent);
    config_.page_size = w.page_size;
    config_.checksums = w.checksums;
    config_.cache_bytes = static_cast<uint64_t>(w.cache_bytes);
    config_.checkpoint_every_txns = static_cast<uint64_t>(w.checkpoint_every_txns);
    config_.log_file_bytes = static_cast<uint64_t>(w.log_file_bytes);
    config_.durability = ToString(w.durability);
    config_.hold_after_done = true;
    config_.pause_file = sandbox_.Sub("pause");
    bool power_steps = false;
    for (const Step& st : sc_.steps) power_steps |= st.action == Step::Action::kPowerLoss;
    if (sc_.faults.power_loss || power_steps) config_.journal_path = sandbox_.Sub("power.journal");
    config_.load_file = sandbox_.Sub("load");
    config_.load_pace_us = kLoadPaceUs;
    config_.crash_arm_file = sandbox_.Sub("crash.arm");
    config_.crash_at_write = plan_.workload_crash_at_write;
    if (config_.crash_at_write > 0) Narrate("armed: workload SIGKILL at write #" + std::to_string(config_.crash_at_write));
    if (plan_.workload_io_nth > 0) {
      config_.io_error_point = ToString(plan_.workload_io_point);
      config_.io_error_nth = plan_.workload_io_nth;
      config_.io_error_errno = plan_.workload_io_errno;
      config_.io_error_short_write = plan_.workload_io_short_write;
      Fault("io_error", fmt::format("armed: workload {} #{} fails with {}{}", config_.io_error_point,
                                    config_.io_error_nth, strerrorname_np(config_.io_error_errno),
                                    config_.io_error_short_write ? " after a short write" : ""));
    }
    const std::string config_path = sandbox_.Sub("workload.json");
    BDB_RETURN_IF_ERROR(SaveWorkloadConfig(config_, config_path));
    BDB_RETURN_IF_ERROR(WorkloadProcess::Start(options_.workload_binary, config_path, sandbox_.Sub("workload.stderr"),
                                               &workload_));
    return workload_->WaitReady(kAckTimeout);
  }

  // A workload I/O error that fired without stopping the workload (BDB can
  // absorb a failed page write in an eviction and use another buffer) is on
  // the timeline too.
  void NoteAbsorbedWorkloadIoError() {
    if (config_.io_error_nth == 0 || workload_io_error_stopped_) return;
    std::string err;
    ReadWholeFile(DefaultFileIO(), sandbox_.Sub("workload.stderr"), &err);
    if (!ShowsInjectedWorkloadFailure(err)) {
      NotFired(FaultKind::kWorkloadIoError, 0, "the workload ended before that call");
      return;
    }
    Fault("io_error", fmt::format("workload {} #{} failed; BDB absorbed it and the workload went on",
                                  config_.io_error_point, config_.io_error_nth));
    Fired(FaultKind::kWorkloadIoError, 0, "BDB absorbed the failure and the workload went on");
  }

  Status RunStep(const Step& step) {
    switch (step.action) {
      case Step::Action::kWaitTxns: return WaitTxns(step.txns);
      case Step::Action::kBackup: return Backup(step);
      case Step::Action::kArchive: return Archive();
      case Step::Action::kCrash: return Crash(step);
      case Step::Action::kPowerLoss: return PowerLoss(step.power_loss_mode);
      case Step::Action::kRestoreCheck: return RestoreCheck(step);
      case Step::Action::kRecoverCheck: return RecoverCheck();
      case Step::Action::kPromoteStandby: return PromoteStandby();
      case Step::Action::kQuiesce: return Quiesce();
      case Step::Action::kResume: return Resume();
      case Step::Action::kWorkloadDone: return WaitDone();
    }
    return Status::OK();
  }

  // The workload died on its own: a seeded crash point, or a real failure.
  Status WorkloadEnded(const Status& waited) {
    ExitInfo info;
    workload_->Wait(std::chrono::milliseconds(10000), &info);
    if (info.signal == SIGKILL && (config_.crash_at_write > 0 || armed_crash_step_ > 0)) {
      crash_cutoff_ = workload_->ledger().Cutoff();
      workload_dead_ = true;
      const int step = armed_crash_step_;
      const std::string hit = fmt::format("SIGKILL at write #{} after {} acknowledged commits",
                                          step > 0 ? plan_.crash_after_writes.at(step) : config_.crash_at_write,
                                          workload_->ledger().AckedCount());
      Fault("crash", "workload " + hit);
      Fired(FaultKind::kCrash, step, hit);
      if (sc_.faults.power_loss) return PowerCut(step, sc_.faults.power_loss->mode);
      return Status::OK();
    }
    std::string err;
    ReadWholeFile(DefaultFileIO(), sandbox_.Sub("workload.stderr"), &err);
    std::string tail = err.size() > 300 ? err.substr(err.size() - 300) : err;
    // Stopped on its injected I/O error: BDB returned it and the workload
    // exited non-zero, or BDB died in its own error path (a signal other than
    // our SIGKILL; seen in ~5% of log-write EIO runs).
    if (config_.io_error_nth > 0 && (info.exited ? info.code != 0 : info.signal != SIGKILL) &&
        ShowsInjectedWorkloadFailure(err)) {
      // BDB met the injected error and the workload stopped: from here on the
      // trial is that of a crashed machine (recover, then every ack must be there).
      crash_cutoff_ = workload_->ledger().Cutoff();
      workload_dead_ = workload_io_error_stopped_ = true;
      while (!tail.empty() && tail.back() == '\n') tail.pop_back();
      const size_t last_line = tail.rfind('\n') + 1;  // 0 when there is one line (npos + 1)
      const std::string hit = fmt::format("the workload stopped after {} acknowledged commits ({}): {}",
                                          workload_->ledger().AckedCount(), info.Describe(), tail.substr(last_line));
      Fault("io_error", fmt::format("workload {} #{} failed; {}", config_.io_error_point, config_.io_error_nth, hit));
      Fired(FaultKind::kWorkloadIoError, 0, hit);
      return Status::OK();
    }
    return Status::CheckFailed(waited.message() + " (" + info.Describe() + "; stderr: " + tail + ")");
  }

  Status WaitTxns(int64_t txns) {
    Status s = workload_->WaitForAcks(static_cast<uint64_t>(txns), kAckTimeout);
    if (!s.ok() && workload_->ledger().closed()) return WorkloadEnded(s);
    return s;
  }

  Status WaitDone() {
    Status s = workload_->WaitDone(kAckTimeout);
    if (!s.ok() && workload_->ledger().closed()) return WorkloadEnded(s);
    return s;
  }

  // This step's agent request: its part of the plan, typed.
  AgentRequest StepAgentRequest(AgentOp op) {
    AgentRequest r;
    r.op = op;
    r.home = home_;
    r.repo = repo_;
    r.copier = sc_.backup.copier;
    r.power_journal = config_.journal_path;
    if (auto it = plan_.agent.find(step_); it != plan_.agent.end()) r.faults = it->second;
    return r;
  }

  Status RunAgent(const AgentRequest& request, int ordinal, AgentResponse* response, ChildResult* child) {
    const std::string path = sandbox_.Sub(fmt::format("agent-{}-{}.json", request.op == AgentOp::kBackup ? "backup" : "archive", ordinal));
    BDB_RETURN_IF_ERROR(WriteFileAtomically(DefaultFileIO(), path, AgentRequestToJson(request), 0600));
    BDB_RETURN_IF_ERROR(RunChild({options_.agent_binary, "__agent", path}, kAgentTimeoutMs, child));
    if (child->exited && child->exit_code == 0) return AgentResponseFromJson(child->out, response);
    return Status::OK();
  }

  // The agent's timeline, and the files its fired faults touched.
  void RecordAgentFaults(const AgentResponse& response, double started_ms) {
    for (const auto& f : response.faults) Fault(f.kind, f.detail, started_ms + static_cast<double>(f.at_ms));
    for (const AgentTouch& t : response.touched) {
      const std::string what = t.page >= 0 ? fmt::format("page {}", t.page) : "call failed";
      touched_.push_back({t.kind, t.file, what, step_, {}});
      const FaultKind kind = t.kind == "torn_read"    ? FaultKind::kTornRead
                             : t.kind == "mmap_fault" ? FaultKind::kMmapFault
                                                      : FaultKind::kIoError;
      Fired(kind, step_, fmt::format("'{}' {}", t.file, what));
    }
  }

  // A backup or archive agent SIGKILLed at its planned read: the crash fired;
  // under faults.power_loss the whole machine goes down with it.
  Status AgentCrashed(const AgentRequest& request, const ChildResult& child, double started_ms) {
    const size_t at = child.err.find(kAgentCrashMarker);
    std::string where = at == std::string::npos ? "" : child.err.substr(at + std::strlen(kAgentCrashMarker));
    if (const size_t nl = where.find('\n'); nl != std::string::npos) where.resize(nl);
    const std::string hit = "SIGKILL at read #" + (where.empty() ? std::to_string(request.faults.crash_at_read) : where);
    Fault("crash", std::string(request.op == AgentOp::kBackup ? "backup " : "archive ") + hit, started_ms);
    Fired(FaultKind::kCrash, step_, hit);
    if (!sc_.faults.power_loss) return Status::OK();
    if (!workload_dead_) {
      workload_->Kill();
      workload_dead_ = true;
      crash_cutoff_ = workload_->ledger().Cutoff();
    }
    return PowerCut(step_, sc_.faults.power_loss->mode);
  }

  Status Backup(const Step& step) {
    const int ordinal = static_cast<int>(attempts_.size()) + 1;
    BackupAttempt attempt;
    attempt.step = step_;
    attempt.backup.cutoff = workload_->ledger().Cutoff();
    attempt.backup.start_ms = static_cast<int64_t>(MsSinceStart());
    const bool copies_under_load = sc_.backup.method == BackupMethod::kCommand || step.mode != BackupMode::kCold;
    SetLoad(copies_under_load);
    const uint64_t acked_before = workload_->ledger().AckedCount();
    const uint64_t pages_before = workload_->ledger().PageWrites();
    const double started_ms = MsSinceStart();
    Status s = sc_.backup.method == BackupMethod::kCommand ? CommandBackup(ordinal, &attempt)
                                                           : EngineBackup(step, ordinal, started_ms, &attempt);
    const double took_ms = MsSinceStart() - started_ms;
    const uint64_t commits = workload_->ledger().AckedCount() - acked_before;
    const uint64_t pages = workload_->ledger().PageWrites() - pages_before;
    SetLoad(false);
    if (took_ms > 0) {
      result_.commits_per_sec_during_backup = std::max(result_.commits_per_sec_during_backup, commits * 1000.0 / took_ms);
    }
    // A hot or command copy of database files must see pages change; an
    // incremental copies logs, so commits are what it must see.
    const std::string seen = fmt::format("{} commits and {} database page writes during the {} ms copy", commits,
                                         pages, static_cast<int64_t>(took_ms));
    Narrate(seen);
    const bool needs_pages = sc_.backup.method == BackupMethod::kCommand || step.mode == BackupMode::kHot;
    if (commits > 0 && (pages > 0 || !needs_pages)) {
      Fired(FaultKind::kCopyUnderLoad, step_, seen);
      // In a negative control (expect = "caught") the method itself is the
      // fault: the database files the workload rewrote during its copy explain
      // a detection that names them. Under expect = "pass" they never do: a
      // safe method must copy files that change.
      if (sc_.expect == Expect::kCaught && pages > 0) {
        for (const char* file : {"a.db", "b.db"}) touched_.push_back({"copy_under_load", file, seen, step_, {}});
      }
    } else {
      NotFired(FaultKind::kCopyUnderLoad, step_, seen);
    }
    attempts_.push_back(attempt);
    return s;
  }

  Status EngineBackup(const Step& step, int ordinal, double started_ms, BackupAttempt* attempt) {
    AgentRequest request = StepAgentRequest(AgentOp::kBackup);
    request.mode = step.mode;
    request.checkpoint = step.checkpoint || sc_.backup.checkpoint;
    request.recover_as_you_go = sc_.backup.recover_as_you_go;
    std::vector<std::string> ids_before;
    ListIds(&ids_before);
    AgentResponse response;
    ChildResult child;
    BDB_RETURN_IF_ERROR(RunAgent(request, ordinal, &response, &child));
    RecordAgentFaults(response, started_ms);
    std::vector<std::string> ids_after;
    ListIds(&ids_after);
    const bool new_backup = ids_after.size() > ids_before.size();
    if (!child.exited) {
      if (request.faults.crash_at_read > 0 && child.signal == SIGKILL) {
        attempt->crashed = true;
        if (new_backup) {
          // Published before the kill point was reached: a real backup, check it like any other.
          attempt->published = true;
          attempt->backup.id = ids_after.back();
        }
        return AgentCrashed(request, child, started_ms);
      }
      return Status::CheckFailed("backup agent " + child.Describe() + ": " + child.err);
    }
    if (child.exit_code != 0) return Status::CheckFailed("backup agent " + child.Describe() + ": " + child.err);
    if (request.faults.crash_at_read > 0)
      NotFired(FaultKind::kCrash, step_, "the backup ended before its read #" + std::to_string(request.faults.crash_at_read));
    if (response.ok) {
      attempt->published = true;
      attempt->backup.id = response.backup_id;
      Narrate("published backup " + response.backup_id + " (" + std::to_string(response.page_rereads) +
              " pages re-read)");
      return Status::OK();
    }
    const bool io_fault = std::any_of(response.touched.begin(), response.touched.end(),
                                      [](const AgentTouch& t) { return t.kind == "io_error"; });
    if (new_backup) {
      Classify(Outcome::kLoss, "backup failed (" + response.message + ") but published '" + ids_after.back() + "'", false);
      return Status::OK();
    }
    if (io_fault && (response.code == "IOError" || response.code == "NoSpace")) {
      Classify(Outcome::kCleanFailure, "backup failed cleanly on an injected i/o error, nothing published: " +
                                           response.message, true);
      attempt->crashed = true;
      return Status::OK();
    }
    Detected({false, step_}, "backup refused: " + response.message);
    attempt->crashed = true;
    return Status::OK();
  }

  Status CommandBackup(int ordinal, BackupAttempt* attempt) {
    const std::string dest = sandbox_.Sub("command-backup-" + std::to_string(ordinal));
    BDB_RETURN_IF_ERROR(DefaultFileIO()->MakeDir(dest, 0700));
    std::vector<std::string> argv;
    for (std::string arg : sc_.backup.command) {
      for (const auto& [key, value] : {std::pair<std::string, std::string>{"{home}", home_}, {"{dest}", dest}}) {
        for (size_t at = arg.find(key); at != std::string::npos; at = arg.find(key, at + value.size()))
          arg.replace(at, key.size(), value);
      }
      argv.push_back(arg);
    }
    ChildResult child;
    BDB_RETURN_IF_ERROR(RunChild(argv, kCommandTimeoutMs, &child));
    if (!child.exited || child.exit_code != 0) {
      std::string err = child.err.substr(0, 300);
      Detected({false, step_}, "backup command " + child.Describe() + ": " + err);
      attempt->crashed = true;
      return Status::OK();
    }
    attempt->published = true;
    attempt->backup.dest = dest;
    Narrate("backup command finished into " + dest);
    return Status::OK();
  }

  Status Archive() {
    const int ordinal = ++archives_;
    AgentRequest request = StepAgentRequest(AgentOp::kArchive);
    SetLoad(true);
    const double started_ms = MsSinceStart();
    AgentResponse response;
    ChildResult child;
    BDB_RETURN_IF_ERROR(RunAgent(request, 1000 + ordinal, &response, &child));
    SetLoad(false);
    RecordAgentFaults(response, started_ms);
    if (!child.exited && request.faults.crash_at_read > 0 && child.signal == SIGKILL) {
      BDB_RETURN_IF_ERROR(AgentCrashed(request, child, started_ms));
    } else if (!child.exited || child.exit_code != 0) {
      return Status::CheckFailed("archive agent " + child.Describe() + ": " + child.err);
    } else {
      if (request.faults.crash_at_read > 0)
        NotFired(FaultKind::kCrash, step_,
                 "the archive ended before its read #" + std::to_string(request.faults.crash_at_read));
      if (!response.ok) Detected({false, step_}, "archive failed: " + response.message);
    }
    return CheckNoLogLost();
  }

  // Every log number from the first ever written to the newest is in the environment or the archive.
  Status CheckNoLogLost() {
    std::vector<std::string> live, archived;
    DefaultFileIO()->ListDir(JoinPath(home_, "log"), &live);
    DefaultFileIO()->ListDir(JoinPath(repo_, "archive"), &archived);
    std::set<uint32_t> numbers;
    for (const auto* names : {&live, &archived}) {
      for (const auto& n : *names) {
        uint32_t number = 0;
        if (ParseLogFileName(n, &number)) numbers.insert(number);
      }
    }
    if (numbers.empty()) return Status::OK();
    for (uint32_t n = 1; n <= *numbers.rbegin(); ++n) {
      if (!numbers.count(n)) {
        Classify(Outcome::kLoss, "log file '" + LogFileName(n) + "' is in neither the environment nor the archive",
                 false);
        return Status::OK();
      }
    }
    Narrate("no log lost: " + std::to_string(numbers.size()) + " log files accounted for");
    return Status::OK();
  }

  // A crash step on the workload arms its SIGKILL at the planned n-th write
  // from now and keeps load on until it lands; backup/archive crashes are in
  // the plan of the step they hit.
  Status Crash(const Step& step) {
    if (step.target != CrashTarget::kWorkload) return Status::OK();
    const uint64_t writes = plan_.crash_after_writes.at(step_);
    BDB_RETURN_IF_ERROR(
        WriteFileAtomically(DefaultFileIO(), config_.crash_arm_file, std::to_string(writes) + "\n", 0600));
    armed_crash_step_ = step_;
    SetLoad(true);
    BDB_RETURN_IF_ERROR(workload_->Signal(SIGUSR1));
    Narrate("armed: workload SIGKILL at its write #" + std::to_string(writes) + " from now");
    workload_->ledger().WaitUntil(kArmedCrashTimeout, [] { return false; });
    if (workload_->ledger().closed()) return WorkloadEnded(Status::OK());
    NotFired(FaultKind::kCrash, step_, "the workload did not reach that write in 60 s; killed instead");
    return KillWorkload();
  }

  // The harness kills the workload (recover_check without an earlier crash).
  Status KillWorkload() {
    workload_->Kill();
    workload_dead_ = true;
    crash_cutoff_ = workload_->ledger().Cutoff();
    Fault("crash", "workload SIGKILLed after " + std::to_string(workload_->ledger().AckedCount()) +
                       " acknowledged commits");
    return Status::OK();
  }

  // The machine loses power while the workload runs: load goes on until the
  // workload has committed a little more (so writes are in flight), then the cut.
  Status PowerLoss(PowerLossMode mode) {
    if (!workload_dead_) {
      SetLoad(true);
      const uint64_t target = workload_->ledger().AckedCount() + kCommitsBeforeCut;
      Status waited = workload_->WaitForAcks(target, kAckTimeout);
      if (!waited.ok() && workload_->ledger().closed()) BDB_RETURN_IF_ERROR(WorkloadEnded(waited));
    }
    if (!workload_dead_) {
      workload_->Kill();
      workload_dead_ = true;
      crash_cutoff_ = workload_->ledger().Cutoff();
    }
    return PowerCut(step_, mode);
  }

  // Applies the cut planned for `step`; it fired when it lost something, and
  // every file it tore or dropped writes of is touched (explains a detection).
  Status PowerCut(int step, PowerLossMode mode) {
    if (config_.journal_path.empty()) return Status::InvalidArgument("power loss without a journal");
    auto it = plan_.power_cut_seed.find(step);
    if (it == plan_.power_cut_seed.end()) return Status::InvalidArgument(fmt::format("no power cut planned at step {}", step));
    PowerLossResult cut;
    BDB_RETURN_IF_ERROR(ApplyPowerLoss(config_.journal_path, home_, it->second, mode, &cut));
    power_cut_ = true;
    const std::string hit = std::string("mode ") + ToString(mode) + ": " + cut.Describe();
    Fault("power_loss", hit);
    for (const LostRange& lost : cut.lost) {
      FaultTouch touch{"power_loss", lost.file,
                       fmt::format("{} {} bytes at {}", lost.torn ? "tore" : "dropped", lost.bytes, lost.offset), 0, {}};
      uint32_t log_number = 0;
      if (lost.torn && lost.bytes > 0 && !ParseLogFileName(BaseName(lost.file), &log_number)) {
        const uint64_t page_bytes = sc_.workload.page_size;
        for (uint64_t page = lost.offset / page_bytes; page <= (lost.offset + lost.bytes - 1) / page_bytes; ++page)
          touch.pages.push_back(page);
      }
      touched_.push_back(std::move(touch));
    }
    if (cut.dropped_writes + cut.torn_writes > 0 || !cut.lost.empty()) {
      Fired(FaultKind::kPowerLoss, step, hit);
    } else {
      NotFired(FaultKind::kPowerLoss, step, "nothing was unsynced at the cut: " + cut.Describe());
    }
    return Status::OK();
  }

  // Runs the oracle on a recovered environment and classifies what it finds.
  // Returns the oracle's report.
  OracleReport Judge(const DetectionScope& scope, const std::string& what, const std::string& recovered,
                     uint64_t cutoff, bool allow_lost_suffix, int64_t absent_from_unix_ms = 0) {
    ++checks_;
    OracleReport report =
        CheckEnvironment(recovered, workload_->ledger(), cutoff, config_, allow_lost_suffix, absent_from_unix_ms);
    result_.acked = std::max(result_.acked, report.acked);
    result_.checked += report.records;
    result_.missing += report.missing;
    result_.lost_suffix = std::max(result_.lost_suffix, report.lost_suffix);
    Narrate(what + ": oracle " + report.Summary());
    if (report.ok) {
      pass_detail_ = what + ": " + report.Summary();
      return report;
    }
    bool only_verify = true;
    for (const auto& v : report.violations) only_verify &= v.rule == 4;
    if (only_verify) {
      Detected(scope, what + ": DB->verify failed: " + report.Summary());
    } else {
      Classify(Outcome::kLoss, what + ": " + report.Summary(), false);
    }
    return report;
  }

  Status RestoreCheck(const Step& step) {
    const int k = ++restores_;
    const BackupAttempt* attempt = nullptr;
    if (step.backup_index == 0) {
      for (auto it = attempts_.rbegin(); it != attempts_.rend(); ++it) {
        if (it->published) {
          attempt = &*it;
          break;
        }
      }
    } else if (step.backup_index <= static_cast<int>(attempts_.size())) {
      attempt = &attempts_[step.backup_index - 1];
    }
    if (attempt == nullptr || !attempt->published) {
      // Nothing to restore: the backup was stopped by a fault that fired (its
      // outcome is already recorded), or never taken because the workload
      // died first; then its copy_under_load did not fire: NOT_EXERCISED.
      Narrate(attempts_.empty() && workload_dead_
                  ? "no backup was taken: the workload stopped on its fault before the backup step"
                  : "no backup was published (the backup was stopped by its fault)");
      if (step.until_txn) NotFired(FaultKind::kPointInTime, step_, "no backup was published");
      return Status::OK();
    }
    const std::string target = sandbox_.Sub("restore-" + std::to_string(k));
    const double started = MsSinceStart();
    const DetectionScope scope{step.live_logs, attempt->step};
    if (!attempt->backup.dest.empty()) return CheckCommandBackup(scope, attempt->backup, target);

    EngineContext ctx = DefaultEngineContext();
    VerifyOutcome verified;
    Status s = RunVerify(ctx, VerifyRequest{repo_, attempt->backup.id, sandbox_.path()}, &verified);
    if (!s.ok()) {
      Detected(scope, "bdbackup verify: " + s.message());
      return Status::OK();
    }
    RestoreRequest request;
    request.repo = repo_;
    request.target = target;
    request.backup = attempt->backup.id;
    request.live_logs_home = step.live_logs ? home_ : "";
    uint64_t cutoff = attempt->backup.cutoff;
    int64_t absent_from_unix_ms = 0;
    if (step.until_txn) {
      const std::optional<TxnRecord> nth = workload_->ledger().NthAck(static_cast<uint64_t>(*step.until_txn));
      if (!nth) return Status::CheckFailed(fmt::format("commit #{} was never acknowledged", *step.until_txn));
      // BDB's commit timestamps are whole seconds (time(2) when the commit is
      // logged): restore to the second after the ack; every commit that began
      // a second after that is absent. time(2) reads a coarse clock that can
      // trail the precise one by a tick, hence the margin.
      const int64_t point_s = nth->ack_unix_ms / 1000 + 1;
      request.until = FormatUntil(point_s * 1000);
      cutoff = nth->ack_seq;
      absent_from_unix_ms = (point_s + 1) * 1000 + kCoarseClockMarginMs;
      WaitForCommitsAfter(absent_from_unix_ms);
      Narrate(fmt::format("point in time {}: commit #{} (txn {}) acknowledged at {} ms", request.until,
                          *step.until_txn, nth->txn, nth->ack_unix_ms));
    }
    RestoreOutcome restored;
    s = RunRestore(ctx, request, &restored);
    result_.recovery_ms = std::max(result_.recovery_ms, restored.recovery_ms);
    if (!s.ok()) {
      Detected(scope, "bdbackup restore: " + s.message());
      return Status::OK();
    }
    Narrate("restored " + attempt->backup.id + " in " + std::to_string(static_cast<int>(MsSinceStart() - started)) + " ms");
    const OracleReport report =
        Judge(scope, "restore of " + attempt->backup.id, target, cutoff, false, absent_from_unix_ms);
    if (step.until_txn) {
      const std::string seen = fmt::format("{} commits acknowledged by the point checked present, {} begun after it "
                                           "checked absent",
                                           report.acked, report.after_point);
      if (report.acked > 0 && report.after_point > 0) {
        Fired(FaultKind::kPointInTime, step_, seen);
      } else {
        NotFired(FaultKind::kPointInTime, step_, seen);
      }
    }
    return Status::OK();
  }

  // A point-in-time check needs commits on both sides of the point: while the
  // workload runs, keep load on until one began after `unix_ms` (bounded).
  void WaitForCommitsAfter(int64_t unix_ms) {
    if (workload_dead_) return;
    SetLoad(true);
    const auto deadline = std::chrono::steady_clock::now() + kCommitsAfterPointTimeout;
    for (uint64_t acked = workload_->ledger().AckedCount(); std::chrono::steady_clock::now() < deadline; ++acked) {
      if (!workload_->WaitForAcks(acked + 1, kAckTimeout).ok()) break;
      const std::optional<TxnRecord> last = workload_->ledger().NthAck(acked + 1);
      if (last && last->start_unix_ms >= unix_ms) break;
    }
    SetLoad(false);
  }

  static std::string FormatUntil(int64_t unix_ms) {
    time_t secs = static_cast<time_t>(unix_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char buf[32];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
  }

  Status CheckCommandBackup(const DetectionScope& scope, const PublishedBackup& backup, const std::string& target) {
    Status s = CopyTree(backup.dest, target);
    if (!s.ok()) return s;
    // A plain BDB backup: logs at the top or in log/ (then DB_CONFIG must say so).
    FileInfo config, log_dir;
    BDB_RETURN_IF_ERROR(DefaultFileIO()->Stat(JoinPath(target, "DB_CONFIG"), &config));
    BDB_RETURN_IF_ERROR(DefaultFileIO()->Stat(JoinPath(target, "log"), &log_dir));
    if (!config.exists && log_dir.exists && log_dir.is_dir)
      BDB_RETURN_IF_ERROR(WriteFileAtomically(DefaultFileIO(), JoinPath(target, "DB_CONFIG"), "set_lg_dir log\n", 0600));
    const double started = MsSinceStart();
    s = RecoverCatastrophic(target, std::nullopt);
    result_.recovery_ms = std::max(result_.recovery_ms, MsSinceStart() - started);
    if (!s.ok()) {
      Detected(scope, "catastrophic recovery of the command's backup failed: " + s.message());
      return Status::OK();
    }
    Judge(scope, "command backup", target, backup.cutoff, false);
    return Status::OK();
  }

  Status CopyTree(const std::string& from, const std::string& to) {
    FileIO* io = DefaultFileIO();
    BDB_RETURN_IF_ERROR(io->MakeDir(to, 0700));
    std::vector<std::string> names;
    BDB_RETURN_IF_ERROR(io->ListDir(from, &names));
    for (const auto& name : names) {
      FileInfo info;
      const std::string src = JoinPath(from, name), dst = JoinPath(to, name);
      BDB_RETURN_IF_ERROR(io->Stat(src, &info));
      if (info.is_symlink) continue;
      if (info.is_dir) {
        BDB_RETURN_IF_ERROR(CopyTree(src, dst));
        continue;
      }
      std::string data;
      BDB_RETURN_IF_ERROR(ReadWholeFile(io, src, &data));
      std::unique_ptr<WritableFile> out;
      BDB_RETURN_IF_ERROR(io->CreateForWrite(dst, 0600, &out));
      BDB_RETURN_IF_ERROR(out->Append(data.data(), data.size()));
      BDB_RETURN_IF_ERROR(out->Close());
    }
    return Status::OK();
  }

  Status RecoverCheck() {
    if (!workload_dead_) BDB_RETURN_IF_ERROR(KillWorkload());
    const std::string target = sandbox_.Sub("recovered-" + std::to_string(++restores_));
    BDB_RETURN_IF_ERROR(CopyTree(home_, target));
    // The copy's region files belong to the dead process: recovery rebuilds them.
    std::vector<std::string> names;
    DefaultFileIO()->ListDir(target, &names);
    for (const auto& n : names) {
      if (n.rfind("__db.", 0) == 0) DefaultFileIO()->RemoveFile(JoinPath(target, n));
    }
    const double started = MsSinceStart();
    Status s = RecoverNormal(target);
    result_.recovery_ms = std::max(result_.recovery_ms, MsSinceStart() - started);
    if (!s.ok()) {
      Detected({true, 0}, "normal recovery after the crash failed: " + s.message());
      return Status::OK();
    }
    // Only a power cut can lose acknowledged commits, and only without sync commits;
    // a SIGKILL loses nothing but DB_TXN_NOSYNC's log buffer.
    const bool nosync = sc_.workload.durability == Durability::kNoSync;
    const bool write_nosync = sc_.workload.durability == Durability::kWriteNoSync;
    const bool allow_suffix = nosync || (power_cut_ && write_nosync);
    Judge({true, 0}, "recovery after crash", target, crash_cutoff_, allow_suffix);
    return Status::OK();
  }

  Status PromoteStandby() {
    const std::string target = sandbox_.Sub("promoted");
    BDB_RETURN_IF_ERROR(CopyTree(JoinPath(repo_, "standby"), target));
    Status s = RecoverNormal(target);
    if (!s.ok()) {
      Detected({false, step_}, "promoting the standby failed: " + s.message());
      return Status::OK();
    }
    uint64_t cutoff = 0;
    for (const auto& a : attempts_) {
      if (a.published) cutoff = a.backup.cutoff;
    }
    Judge({false, step_}, "promoted standby", target, cutoff, false);
    return Status::OK();
  }

  Status Quiesce() {
    BDB_RETURN_IF_ERROR(WriteFileAtomically(DefaultFileIO(), config_.pause_file, "pause\n", 0600));
    Status s = workload_->WaitPaused(kAckTimeout);
    if (!s.ok() && workload_->ledger().closed()) return WorkloadEnded(s);
    return s;
  }

  Status Resume() {
    BDB_RETURN_IF_ERROR(DefaultFileIO()->RemoveFile(config_.pause_file));
    return workload_->WaitResumed(kAckTimeout);
  }

  void ListIds(std::vector<std::string>* ids) {
    ids->clear();
    std::unique_ptr<Repository> repo;
    if (Repository::Open(DefaultFileIO(), repo_, false, &repo).ok()) repo->ListBackupIds(ids);
  }

  const Scenario& sc_;
  const uint64_t seed_;
  const RunnerOptions& options_;
  const std::chrono::steady_clock::time_point started_;
  TrialResult result_;
  TrialSandbox sandbox_;
  std::string home_, repo_;
  WorkloadConfig config_;
  std::unique_ptr<WorkloadProcess> workload_;
  std::vector<BackupAttempt> attempts_;
  const TrialPlan plan_;
  std::vector<FaultTouch> touched_;
  int step_ = 0;               // 1-based step being run
  int armed_crash_step_ = 0;   // the crash step whose SIGKILL is armed in the workload
  bool load_on_ = false;
  bool workload_dead_ = false, power_cut_ = false, stopped_ = false;
  bool workload_io_error_stopped_ = false;  // the workload met its injected I/O error and stopped
  uint64_t crash_cutoff_ = 0;
  int archives_ = 0, restores_ = 0, checks_ = 0;
  std::string pass_detail_;
};

}  // namespace

std::string DefaultSandboxRoot() {
  if (::access("/dev/shm", W_OK) == 0) return "/dev/shm";
  const char* tmp = std::getenv("TMPDIR");
  return tmp && *tmp ? tmp : "/tmp";
}

TrialResult RunTrial(const Scenario& scenario, uint64_t seed, int index, const RunnerOptions& options) {
  Trial trial(scenario, seed, index, options);
  return trial.Run();
}

}  // namespace bdb::sim
