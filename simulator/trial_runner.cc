#include "simulator/trial_runner.h"

#include <signal.h>
#include <unistd.h>

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
#include "simulator/backup_agent.h"
#include "simulator/child_process.h"
#include "simulator/oracle.h"
#include "simulator/power_cut.h"
#include "simulator/trial_sandbox.h"
#include "simulator/workload_config.h"
#include "simulator/workload_process.h"

namespace bdb::sim {
namespace {

constexpr std::chrono::milliseconds kAckTimeout(120000);
constexpr int kAgentTimeoutMs = 180000;
constexpr int kCommandTimeoutMs = 180000;

int Rank(Outcome o) {
  switch (o) {
    case Outcome::kPass: return 0;
    case Outcome::kCleanFailure: return 1;
    case Outcome::kDetected: return 2;
    case Outcome::kLoss: return 3;
  }
  return 3;
}

// Seeded draws for one purpose: a splitmix64 stream keyed by (trial seed, purpose).
class Draws {
 public:
  Draws(uint64_t seed, const std::string& purpose) : state_(SplitMix64(seed ^ Fnv1a64(purpose))) {}
  uint64_t Next() { return state_ = SplitMix64(state_); }
  // Uniform-enough in [lo, hi] (inclusive); the tiny modulo bias is irrelevant for fault placement.
  int64_t InRange(int64_t lo, int64_t hi) {
    if (hi <= lo) return lo;
    return lo + static_cast<int64_t>(Next() % static_cast<uint64_t>(hi - lo + 1));
  }

 private:
  uint64_t state_;
};

struct PublishedBackup {
  std::string id;    // engine backups
  std::string dest;  // command backups: the directory the program filled
  uint64_t cutoff = 0;
  int64_t start_ms = 0;
};

struct BackupAttempt {
  bool published = false;
  bool crashed = false;
  PublishedBackup backup;
};

class Trial {
 public:
  Trial(const Scenario& sc, uint64_t seed, int index, const RunnerOptions& options)
      : sc_(sc), seed_(seed), options_(options), started_(std::chrono::steady_clock::now()) {
    result_.scenario = sc.name;
    result_.seed = seed;
    result_.index = index;
    result_.replay = ReplayLine(sc.name, seed);
  }

  TrialResult Run() {
    Status s = Setup();
    if (!s.ok()) {
      HarnessError("trial setup failed: " + s.message());
    } else {
      for (size_t i = 0; i < sc_.steps.size() && !stopped_; ++i) {
        const Step& step = sc_.steps[i];
        if (workload_dead_ && NeedsLiveWorkload(step.action)) {
          Narrate("skip " + std::string(ToString(step.action)) + " (the workload has crashed)");
          continue;
        }
        Narrate("step " + std::to_string(i + 1) + ": " + ToString(step.action));
        s = RunStep(step);
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
  bool FaultsConfigured() const {
    const FaultSpec& f = sc_.faults;
    return f.crash || f.power_loss || f.torn_read || f.mmap_fault || f.io_error || f.workload_io_error ||
           sc_.backup.copier != Copier::kVerified;
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
    if (sc_.faults.crash && sc_.faults.crash->target == CrashTarget::kWorkload) {
      Draws d(seed_, "crash/workload");
      config_.crash_at_write = static_cast<uint64_t>(d.InRange(sc_.faults.crash->at.min, sc_.faults.crash->at.max));
      Narrate("armed: workload SIGKILL at write #" + std::to_string(config_.crash_at_write));
    }
    if (sc_.faults.workload_io_error) ArmWorkloadIoError(*sc_.faults.workload_io_error);
    if (sc_.faults.crash && sc_.faults.crash->target != CrashTarget::kWorkload) {
      crash_at_ = sc_.faults.crash->at;
      armed_backup_crash_ = sc_.faults.crash->target == CrashTarget::kBackup;
      armed_archive_crash_ = sc_.faults.crash->target == CrashTarget::kArchive;
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
    if (!ShowsInjectedWorkloadFailure(err)) return;
    Fault("io_error", fmt::format("workload {} #{} failed; BDB absorbed it and the workload went on",
                                  config_.io_error_point, config_.io_error_nth));
  }

  // The n-th write or fsync of the workload's environment fails (drawn from the seed).
  void ArmWorkloadIoError(const WorkloadIoErrorFault& f) {
    Draws d(seed_, "io_error/workload");
    config_.io_error_point = ToString(f.points[d.Next() % f.points.size()]);
    config_.io_error_nth = static_cast<uint64_t>(d.InRange(f.at.min, f.at.max));
    config_.io_error_errno = f.error_number;
    config_.io_error_short_write = config_.io_error_point == "write" && f.error_number == ENOSPC && d.Next() % 2 == 0;
    Fault("io_error", fmt::format("armed: workload {} #{} fails with {}{}", config_.io_error_point,
                                  config_.io_error_nth, strerrorname_np(config_.io_error_errno),
                                  config_.io_error_short_write ? " after a short write" : ""));
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
    if (info.signal == SIGKILL && config_.crash_at_write > 0) {
      crash_cutoff_ = workload_->ledger().Cutoff();
      workload_dead_ = true;
      Fault("crash", "workload SIGKILLed at write #" + std::to_string(config_.crash_at_write) + " after " +
                         std::to_string(workload_->ledger().AckedCount()) + " acknowledged commits");
      if (sc_.faults.power_loss) return PowerCut(sc_.faults.power_loss->mode);
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
      Fault("io_error", fmt::format("workload {} #{} failed; it stopped after {} acknowledged commits ({}): {}",
                                    config_.io_error_point, config_.io_error_nth,
                                    workload_->ledger().AckedCount(), info.Describe(), tail.substr(last_line)));
      return Status::OK();
    }
    return Status::CheckFailed(waited.message() + " (" + info.Describe() + "; stderr: " + tail + ")");
  }

  Status WaitTxns(int64_t txns) {
    Status s = workload_->WaitForAcks(static_cast<uint64_t>(txns), kAckTimeout);
    if (!s.ok() && workload_->ledger().closed()) return WorkloadEnded(s);
    if (s.ok()) {
      // The next whole second: BDB's commit timestamps have one-second resolution.
      const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch()).count();
      marks_[txns] = Mark{workload_->ledger().Cutoff(), (now_ms / 1000 + 1) * 1000};
    }
    return s;
  }

  Status WaitDone() {
    Status s = workload_->WaitDone(kAckTimeout);
    if (!s.ok() && workload_->ledger().closed()) return WorkloadEnded(s);
    return s;
  }

  AgentRequest BaseAgentRequest(const std::string& op, int ordinal) {
    AgentRequest r;
    r.op = op;
    r.home = home_;
    r.repo = repo_;
    r.copier = ToString(sc_.backup.copier);
    r.seed = SplitMix64(seed_ ^ Fnv1a64(op + "#" + std::to_string(ordinal)));
    r.power_journal = config_.journal_path;
    bool crash = false;
    if (op == "backup" && armed_backup_crash_) {
      crash = true;
      armed_backup_crash_ = false;
    }
    if (op == "archive" && armed_archive_crash_) {
      crash = true;
      armed_archive_crash_ = false;
    }
    if (crash) {
      Draws d(seed_, op + "/crash#" + std::to_string(ordinal));
      r.crash_at_read = static_cast<uint64_t>(d.InRange(crash_at_.min, crash_at_.max));
    }
    return r;
  }

  void AddCopyFaults(AgentRequest* r, int ordinal) {
    const FaultSpec& f = sc_.faults;
    Draws d(seed_, "copy-faults#" + std::to_string(ordinal));
    if (f.torn_read) {
      r->torn_pages = static_cast<uint64_t>(d.InRange(f.torn_read->pages.min, f.torn_read->pages.max));
      r->torn_boundary_bytes = static_cast<uint32_t>(f.torn_read->boundary_bytes);
      r->torn_order = f.torn_read->order == TornOrder::kOldNew   ? "old_new"
                      : f.torn_read->order == TornOrder::kNewOld ? "new_old"
                                                                 : "seeded";
    }
    if (f.mmap_fault) r->mmap_fault_pages = static_cast<uint64_t>(d.InRange(f.mmap_fault->pages.min, f.mmap_fault->pages.max));
    if (f.io_error && !f.io_error->points.empty()) {
      const auto& points = f.io_error->points;
      r->io_point = ToString(points[d.Next() % points.size()]);
      const double p = f.io_error->probability > 0 ? f.io_error->probability : 0.05;
      const int64_t span = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(1.0 / p)));
      r->io_nth = static_cast<uint64_t>(d.InRange(1, span));
      r->io_errno = f.io_error->error_number;
      r->io_short_write = r->io_point == "write" && d.Next() % 2 == 0;
    }
  }

  Status RunAgent(const AgentRequest& request, int ordinal, AgentResponse* response, ChildResult* child) {
    const std::string path = sandbox_.Sub("agent-" + request.op + "-" + std::to_string(ordinal) + ".json");
    BDB_RETURN_IF_ERROR(WriteFileAtomically(DefaultFileIO(), path, AgentRequestToJson(request), 0600));
    BDB_RETURN_IF_ERROR(RunChild({options_.agent_binary, "__agent", path}, kAgentTimeoutMs, child));
    if (child->exited && child->exit_code == 0) return AgentResponseFromJson(child->out, response);
    return Status::OK();
  }

  void RecordAgentFaults(const AgentResponse& response, double started_ms) {
    for (const auto& f : response.faults) Fault(f.kind, f.detail, started_ms + static_cast<double>(f.at_ms));
  }

  Status Backup(const Step& step) {
    const int ordinal = static_cast<int>(attempts_.size()) + 1;
    BackupAttempt attempt;
    attempt.backup.cutoff = workload_->ledger().Cutoff();
    attempt.backup.start_ms = static_cast<int64_t>(MsSinceStart());
    const uint64_t acked_before = workload_->ledger().AckedCount();
    const double started_ms = MsSinceStart();
    Status s = sc_.backup.method == BackupMethod::kCommand ? CommandBackup(ordinal, &attempt)
                                                           : EngineBackup(step, ordinal, started_ms, &attempt);
    const double took_ms = MsSinceStart() - started_ms;
    if (took_ms > 0) {
      const double rate = (workload_->ledger().AckedCount() - acked_before) * 1000.0 / took_ms;
      result_.commits_per_sec_during_backup = std::max(result_.commits_per_sec_during_backup, rate);
    }
    attempts_.push_back(attempt);
    return s;
  }

  Status EngineBackup(const Step& step, int ordinal, double started_ms, BackupAttempt* attempt) {
    AgentRequest request = BaseAgentRequest("backup", ordinal);
    request.mode = ToString(step.mode);
    request.checkpoint = step.checkpoint || sc_.backup.checkpoint;
    request.recover_as_you_go = sc_.backup.recover_as_you_go;
    AddCopyFaults(&request, ordinal);
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
      if (request.crash_at_read > 0 && child.signal == SIGKILL) {
        Fault("crash", "backup SIGKILLed at read #" + std::to_string(request.crash_at_read), started_ms);
        attempt->crashed = true;
        if (new_backup) {
          // Published before the kill point was reached: a real backup, check it like any other.
          attempt->published = true;
          attempt->backup.id = ids_after.back();
        }
        return Status::OK();
      }
      return Status::CheckFailed("backup agent " + child.Describe() + ": " + child.err);
    }
    if (child.exit_code != 0) return Status::CheckFailed("backup agent " + child.Describe() + ": " + child.err);
    if (response.ok) {
      attempt->published = true;
      attempt->backup.id = response.backup_id;
      Narrate("published backup " + response.backup_id + " (" + std::to_string(response.page_rereads) +
              " pages re-read)");
      return Status::OK();
    }
    const bool io_fault = request.io_nth > 0;
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
    Classify(Outcome::kDetected, "backup refused: " + response.message, FaultsConfigured());
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
      Classify(Outcome::kDetected, "backup command " + child.Describe() + ": " + err, FaultsConfigured());
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
    AgentRequest request = BaseAgentRequest("archive", ordinal);
    const double started_ms = MsSinceStart();
    AgentResponse response;
    ChildResult child;
    BDB_RETURN_IF_ERROR(RunAgent(request, 1000 + ordinal, &response, &child));
    RecordAgentFaults(response, started_ms);
    if (!child.exited && request.crash_at_read > 0 && child.signal == SIGKILL) {
      Fault("crash", "archive SIGKILLed at read #" + std::to_string(request.crash_at_read), started_ms);
    } else if (!child.exited || child.exit_code != 0) {
      return Status::CheckFailed("archive agent " + child.Describe() + ": " + child.err);
    } else if (!response.ok) {
      Classify(Outcome::kDetected, "archive failed: " + response.message, FaultsConfigured());
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

  Status Crash(const Step& step) {
    if (step.target == CrashTarget::kWorkload) return KillWorkload();
    crash_at_ = step.at;
    if (step.target == CrashTarget::kBackup) armed_backup_crash_ = true;
    if (step.target == CrashTarget::kArchive) armed_archive_crash_ = true;
    return Status::OK();
  }

  Status KillWorkload() {
    workload_->Kill();
    workload_dead_ = true;
    crash_cutoff_ = workload_->ledger().Cutoff();
    Fault("crash", "workload SIGKILLed after " + std::to_string(workload_->ledger().AckedCount()) +
                       " acknowledged commits");
    if (sc_.faults.power_loss) return PowerCut(sc_.faults.power_loss->mode);
    return Status::OK();
  }

  Status PowerLoss(PowerLossMode mode) {
    if (!workload_dead_) {
      workload_->Kill();
      workload_dead_ = true;
      crash_cutoff_ = workload_->ledger().Cutoff();
    }
    return PowerCut(mode);
  }

  Status PowerCut(PowerLossMode mode) {
    if (config_.journal_path.empty()) return Status::InvalidArgument("power loss without a journal");
    std::string description;
    BDB_RETURN_IF_ERROR(ApplyPowerCut(config_.journal_path, home_, SplitMix64(seed_ ^ 0x70776c), mode, &description));
    power_cut_ = true;
    Fault("power_loss", std::string("mode ") + ToString(mode) + ": " + description);
    return Status::OK();
  }

  // Runs the oracle on a recovered environment and classifies what it finds.
  void Judge(const std::string& what, const std::string& recovered, uint64_t cutoff, bool allow_lost_suffix) {
    ++checks_;
    OracleReport report = CheckEnvironment(recovered, workload_->ledger(), cutoff, config_, allow_lost_suffix);
    result_.acked = std::max(result_.acked, report.acked);
    result_.checked += report.records;
    result_.missing += report.missing;
    result_.lost_suffix = std::max(result_.lost_suffix, report.lost_suffix);
    Narrate(what + ": oracle " + report.Summary());
    if (report.ok) {
      pass_detail_ = what + ": " + report.Summary();
      return;
    }
    bool only_verify = true;
    for (const auto& v : report.violations) only_verify &= v.rule == 4;
    if (only_verify) {
      Classify(Outcome::kDetected, what + ": DB->verify failed: " + report.Summary(), FaultsConfigured());
    } else {
      Classify(Outcome::kLoss, what + ": " + report.Summary(), false);
    }
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
      if (Rank(result_.outcome) == 0) {
        Classify(Outcome::kCleanFailure,
                 attempts_.empty() && workload_dead_
                     ? "no backup was taken: the workload stopped on its fault before the backup step"
                     : "no backup was published (the backup was stopped by its fault)",
                 true);
      }
      return Status::OK();
    }
    const std::string target = sandbox_.Sub("restore-" + std::to_string(k));
    const double started = MsSinceStart();
    if (!attempt->backup.dest.empty()) return CheckCommandBackup(attempt->backup, target);

    EngineContext ctx = DefaultEngineContext();
    VerifyOutcome verified;
    Status s = RunVerify(ctx, VerifyRequest{repo_, attempt->backup.id, sandbox_.path()}, &verified);
    if (!s.ok()) {
      Classify(Outcome::kDetected, "bdbackup verify: " + s.message(), FaultsConfigured());
      return Status::OK();
    }
    RestoreRequest request;
    request.repo = repo_;
    request.target = target;
    request.backup = attempt->backup.id;
    request.live_logs_home = step.live_logs ? home_ : "";
    uint64_t cutoff = attempt->backup.cutoff;
    if (step.until_txn) {
      auto mark = UntilMark(*step.until_txn);
      request.until = mark.first;
      cutoff = mark.second;
    }
    RestoreOutcome restored;
    s = RunRestore(ctx, request, &restored);
    result_.recovery_ms = std::max(result_.recovery_ms, restored.recovery_ms);
    if (!s.ok()) {
      Classify(Outcome::kDetected, "bdbackup restore: " + s.message(), FaultsConfigured());
      return Status::OK();
    }
    Narrate("restored " + attempt->backup.id + " in " + std::to_string(static_cast<int>(MsSinceStart() - started)) + " ms");
    Judge("restore of " + attempt->backup.id, target, cutoff, false);
    return Status::OK();
  }

  // until_txn: the harness noted the ledger when txn N was acknowledged; the
  // point in time is the next whole second after that (BDB's timestamps are
  // seconds), and rule 1 covers what was acknowledged by the note.
  std::pair<std::string, uint64_t> UntilMark(int64_t txn) {
    auto it = marks_.find(txn);
    uint64_t cutoff = it == marks_.end() ? 0 : it->second.cutoff;
    int64_t ms = it == marks_.end() ? 0 : it->second.unix_ms;
    return {ms == 0 ? "" : FormatUntil(ms), cutoff};
  }

  static std::string FormatUntil(int64_t unix_ms) {
    time_t secs = static_cast<time_t>(unix_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char buf[32];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
  }

  Status CheckCommandBackup(const PublishedBackup& backup, const std::string& target) {
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
      Classify(Outcome::kDetected, "catastrophic recovery of the command's backup failed: " + s.message(),
               FaultsConfigured() || true);
      return Status::OK();
    }
    Judge("command backup", target, backup.cutoff, false);
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
      Classify(Outcome::kDetected, "normal recovery after the crash failed: " + s.message(), FaultsConfigured());
      return Status::OK();
    }
    // Only a power cut can lose acknowledged commits, and only without sync commits;
    // a SIGKILL loses nothing but DB_TXN_NOSYNC's log buffer.
    const bool nosync = sc_.workload.durability == Durability::kNoSync;
    const bool write_nosync = sc_.workload.durability == Durability::kWriteNoSync;
    const bool allow_suffix = nosync || (power_cut_ && write_nosync);
    Judge("recovery after crash", target, crash_cutoff_, allow_suffix);
    return Status::OK();
  }

  Status PromoteStandby() {
    const std::string target = sandbox_.Sub("promoted");
    BDB_RETURN_IF_ERROR(CopyTree(JoinPath(repo_, "standby"), target));
    Status s = RecoverNormal(target);
    if (!s.ok()) {
      Classify(Outcome::kDetected, "promoting the standby failed: " + s.message(), FaultsConfigured());
      return Status::OK();
    }
    uint64_t cutoff = 0;
    for (const auto& a : attempts_) {
      if (a.published) cutoff = a.backup.cutoff;
    }
    Judge("promoted standby", target, cutoff, false);
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

  struct Mark {
    uint64_t cutoff = 0;
    int64_t unix_ms = 0;
  };

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
  std::map<int64_t, Mark> marks_;
  bool workload_dead_ = false, power_cut_ = false, stopped_ = false;
  bool workload_io_error_stopped_ = false;  // the workload met its injected I/O error and stopped
  bool armed_backup_crash_ = false, armed_archive_crash_ = false;
  Range crash_at_{1, 1};
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
