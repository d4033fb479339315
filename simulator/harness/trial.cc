#include "simulator/harness/trial.h"

namespace bdb::sim::internal {

Trial::Trial(const Scenario& sc, uint64_t seed, int index, const RunnerOptions& options)
    : sc_(sc), seed_(seed), options_(options), started_(std::chrono::steady_clock::now()), plan_(PlanTrial(sc, seed)) {
  result_.scenario = sc.name;
  result_.seed = seed;
  result_.index = index;
  for (const PlannedFault& f : plan_.faults)
    result_.exercise.push_back({ToString(f.kind), f.step, f.description, false, ""});
}

TrialResult Trial::Run() {
  step_started_ms_ = MsSinceStart();
  Status s = Setup();
  if (!s.ok()) {
    StepFailed("trial setup", s);
  } else {
    const int last_reading_workload = LastStepReadingWorkload();
    for (size_t i = 0; i < sc_.steps.size() && !stopped_; ++i) {
      const Step& step = sc_.steps[i];
      step_ = static_cast<int>(i) + 1;
      step_started_ms_ = MsSinceStart();
      if (workload_dead_ && NeedsLiveWorkload(step.action)) {
        Narrate("skip " + std::string(ToString(step.action)) + " (the workload has crashed)");
        continue;
      }
      Narrate("step " + std::to_string(i + 1) + ": " + ToString(step.action));
      s = RunStep(step);
      SetLoad(false);
      if (s.ok() && workload_ && !workload_->ledger().error().ok())
        s = Status::CheckFailed("the workload's acknowledgements: " + workload_->ledger().error().message());
      if (!s.ok()) {
        StepFailed(ToString(step.action), s);
        break;
      }
      if (step_ == last_reading_workload && i + 1 < sc_.steps.size()) FreezeWorkload();
    }
  }
  NoteAbsorbedWorkloadIoError();
  if (workload_) workload_->Kill();
  result_.duration_ms = MsSinceStart();
  evidence_.exercise = result_.exercise;
  const TrialConclusion conclusion = ConcludeTrial(evidence_);
  result_.outcome = conclusion.outcome;
  result_.explained = conclusion.explained;
  result_.detail = conclusion.detail;
  result_.exercised = conclusion.exercised;
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

bool Trial::NeedsLiveWorkload(Step::Action a) {
  switch (a) {
    case Step::Action::kRestoreCheck:
    case Step::Action::kRecoverCheck:
    case Step::Action::kPromoteStandby:
    case Step::Action::kPowerLoss:
    case Step::Action::kExpire:
      return false;
    default:
      return true;
  }
}

bool Trial::ReadsWorkloadCommits(const Step& step) {
  switch (step.action) {
    case Step::Action::kRestoreCheck:
      return step.until_txn.has_value() || step.live_logs || step.power_cut.has_value();
    case Step::Action::kPromoteStandby:
    case Step::Action::kExpire:
      return false;
    default:
      return true;
  }
}

int Trial::LastStepReadingWorkload() const {
  int last = 0;
  for (size_t i = 0; i < sc_.steps.size(); ++i) {
    if (ReadsWorkloadCommits(sc_.steps[i])) last = static_cast<int>(i) + 1;
  }
  return last;
}

void Trial::FreezeWorkload() {
  if (!workload_ || workload_dead_ || workload_frozen_) return;
  if (config_.crash_at_write > 0 || config_.io_error_nth > 0 || armed_crash_step_ > 0) return;
  if (workload_->Signal(SIGSTOP).ok()) {
    workload_frozen_ = true;
    Narrate(fmt::format("workload stopped after {} acknowledged commits: no later step reads its commits",
                        workload_->ledger().AckedCount()));
  }
}

double Trial::MsSinceStart() const {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_).count();
}

void Trial::Narrate(const std::string& line) {
  if (options_.narrate) options_.narrate("[" + std::to_string(static_cast<int64_t>(MsSinceStart())) + " ms] " + line);
}

void Trial::Fault(const std::string& kind, const std::string& detail, double at_ms) {
  result_.faults.push_back(FaultEvent{at_ms < 0 ? MsSinceStart() : at_ms, kind, detail});
  Narrate("fault " + kind + ": " + detail);
}

// The planned fault (kind, step) fired: the first such record not yet marked.
void Trial::Fired(FaultKind kind, int step, const std::string& hit) {
  for (FaultExercise& e : result_.exercise) {
    if (e.kind == ToString(kind) && e.step == step && !e.fired) {
      e.fired = true;
      e.hit = hit;
      return;
    }
  }
}

// A planned fault that did not fire: why (shown with NOT_EXERCISED).
void Trial::NotFired(FaultKind kind, int step, const std::string& why) {
  for (FaultExercise& e : result_.exercise) {
    if (e.kind == ToString(kind) && e.step == step && !e.fired && e.hit.empty()) {
      e.hit = why;
      return;
    }
  }
}

bool Trial::Explained(const DetectionScope& scope, const std::string& detection) {
  DetectionScope effective = scope;
  if (sc_.expect == Expect::kPass) effective.steps.clear();  // the method's own backups must restore
  const FaultTouch* touch = ExplainingTouch(touched_, effective, detection);
  if (touch == nullptr) {
    for (const FaultTouch* candidate : PageOnlyCandidates(touched_, effective, detection)) {
      if (PageStillTorn(*candidate, detection)) {
        touch = candidate;
        break;
      }
    }
  }
  if (touch != nullptr) Narrate("explained by " + touch->kind + " on '" + touch->file + "': " + touch->what);
  return touch != nullptr;
}

bool Trial::PageStillTorn(const FaultTouch& touch, const std::string& detection) {
  // A power cut names files relative to the live home.
  const std::string path = !touch.file.empty() && touch.file[0] == '/' ? touch.file : JoinPath(home_, touch.file);
  DatabaseFileInfo info;
  if (!ReadDatabaseFileInfo(DefaultFileIO(), path, &info).ok() || info.page_size == 0) return false;
  std::unique_ptr<ReadableFile> file;
  if (!DefaultFileIO()->OpenForRead(path, &file).ok()) return false;
  std::string page(info.page_size, '\0');
  for (uint64_t n : touch.pages) {
    if (detection.find(fmt::format("page {}", n)) == std::string::npos) continue;
    size_t got = 0;
    if (!file->Pread(n * info.page_size, info.page_size, page.data(), &got).ok() || got != info.page_size) continue;
    if (CheckPageChecksum(page.data(), info.page_size, info) == PageCheck::kInvalid) {
      Narrate(fmt::format("page {} of '{}' fails its checksum", n, path));
      return true;
    }
  }
  return false;
}

void Trial::Detected(const DetectionScope& scope, const std::string& detail) {
  Record(Outcome::kDetected, detail, Explained(scope, detail));
}

DetectionScope Trial::ChainScope(const BackupAttempt& attempt, bool live) {
  DetectionScope scope;
  scope.live = live;
  std::unique_ptr<Repository> repo;
  std::vector<Manifest> chain;
  if (!attempt.backup.id.empty() && Repository::Open(DefaultFileIO(), repo_, false, &repo).ok() &&
      repo->LoadChain(attempt.backup.id, &chain).ok()) {
    for (const Manifest& m : chain) {
      for (const BackupAttempt& a : attempts_) {
        if (a.backup.id == m.id) scope.steps.insert(a.step);
      }
    }
  }
  scope.steps.insert(attempt.step);
  for (int step : archive_steps_) {
    if (step < step_) scope.steps.insert(step);
  }
  return scope;
}

// While on, the workload commits past its target: load for as long as a step copies.
void Trial::SetLoad(bool on) {
  if (on == load_on_ || config_.load_file.empty()) return;
  load_on_ = on;
  if (on) {
    WriteFileAtomically(DefaultFileIO(), config_.load_file, "load\n", 0600);
  } else {
    DefaultFileIO()->RemoveFile(config_.load_file);
  }
}

// True when a planned fault of `step` other than copy_under_load fired.
bool Trial::StepFaultFired(int step) const {
  for (const FaultExercise& e : result_.exercise) {
    if (e.step == step && e.fired && e.kind != ToString(FaultKind::kCopyUnderLoad)) return true;
  }
  return false;
}

// Load on, and the writers committing again (they poll for the load file):
// a copy then starts under load however short it is. Bounded: a workload at
// its txns_max cap or dead does not hold the step up.
bool Trial::LoadUntilCommitting() {
  SetLoad(true);
  if (workload_dead_ || workload_->ledger().closed()) return false;
  return workload_->WaitForAcks(workload_->ledger().AckedCount() + 2, kLoadResumeTimeout).ok();
}

void Trial::Record(Outcome o, const std::string& detail, bool explained) {
  Narrate(std::string("finding ") + OutcomeName(o) + (o == Outcome::kDetected && explained ? " (explained)" : "") +
          ": " + detail);
  evidence_.findings.push_back({o, explained, detail});
}

void Trial::StepFailed(const std::string& what, const Status& s) {
  if (s.IsTimedOut()) {
    Record(Outcome::kHang, fmt::format("step {} ({}) was stopped by a harness timeout after {} ms: {}", step_, what,
                                       static_cast<int64_t>(MsSinceStart() - step_started_ms_), s.message()));
  } else {
    Record(Outcome::kHarnessError, what + ": " + s.message());
  }
}

Status Trial::Setup() {
  BDB_RETURN_IF_ERROR(sandbox_.Create(options_.sandbox_root, sc_.name, result_.index, seed_));
  home_ = sandbox_.Sub("home");
  repo_ = sandbox_.Sub("repo");
  const WorkloadSpec& w = sc_.workload;
  // Every byte the trial draws comes from its seed, each through its own named stream.
  config_.seed = NamedStream(seed_, "workload").Next();
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
  config_.durability = w.durability;
  config_.bulk = w.bulk;
  config_.log_auto_remove = w.log_auto_remove;
  config_.queue = w.queue;
  config_.close_nosync = w.close_nosync;
  config_.data_dir = w.data_dir;
  if (w.encrypt) {
    // A password per trial, so nothing can open the environment or its backups without it.
    SeededRng password = NamedStream(seed_, "password");
    config_.password = fmt::format("bdbsim-{:016x}{:016x}", password.Next(), password.Next());
  }
  password_scope_ = std::make_unique<ScopedThreadPassword>(config_.password);
  if (sc_.backup.encrypt) {  // a key per trial: nothing reads its repository without it
    SeededRng key = NamedStream(seed_, "repository_key");
    repository_key_hex_ = fmt::format("{:016x}{:016x}{:016x}{:016x}", key.Next(), key.Next(), key.Next(), key.Next());
    BDB_RETURN_IF_ERROR(ParseRepositoryKey(repository_key_hex_, "trial key", &repository_key_));
  }
  repository_key_scope_ =
      std::make_unique<ScopedThreadRepositoryKey>(sc_.backup.encrypt ? &repository_key_ : nullptr);
  config_.hold_after_done = true;
  config_.pause_file = sandbox_.Sub("pause");
  bool power_steps = false;
  for (const Step& st : sc_.steps) power_steps |= st.action == Step::Action::kPowerLoss || st.power_cut.has_value();
  if (sc_.faults.power_loss || power_steps) config_.journal_path = sandbox_.Sub("power.journal");
  // An application's load is its own: it commits at its own pace until stopped.
  config_.load_file = sc_.workload.application ? "" : sandbox_.Sub("load");
  config_.load_pace_us = kLoadPaceUs;
  config_.load_max_ms = static_cast<uint64_t>(w.load_seconds) * 1000;
  config_.crash_arm_file = sandbox_.Sub("crash.arm");
  config_.crash_at_write = plan_.workload_crash_at_write;
  if (config_.crash_at_write > 0)
    Narrate("armed: workload SIGKILL at write #" + std::to_string(config_.crash_at_write));
  if (plan_.workload_io_nth > 0) {
    config_.io_error_op = plan_.workload_io_point == IoPoint::kFsync ? WorkloadIoOp::kFsync : WorkloadIoOp::kWrite;
    config_.io_error_nth = plan_.workload_io_nth;
    config_.io_error_errno = plan_.workload_io_errno;
    config_.io_error_short_write = plan_.workload_io_short_write;
    Fault("io_error", fmt::format("armed: workload {} #{} fails with {}{}", ToString(plan_.workload_io_point),
                                  config_.io_error_nth, strerrorname_np(config_.io_error_errno),
                                  config_.io_error_short_write ? " after a short write" : ""));
  }
  if (sc_.workload.application) return StartApplication();
  const std::string config_path = sandbox_.Sub("workload.json");
  BDB_RETURN_IF_ERROR(SaveWorkloadConfig(config_, config_path));
  BDB_RETURN_IF_ERROR(
      WorkloadProcess::Start(options_.workload_binary, config_path, sandbox_.Sub("workload.stderr"), &workload_));
  return workload_->WaitReady(kAckTimeout);
}

// A workload I/O error that fired without stopping the workload (BDB can
// absorb a failed page write in an eviction and use another buffer) is on
// the timeline too.
void Trial::NoteAbsorbedWorkloadIoError() {
  if (config_.io_error_nth == 0 || workload_io_error_stopped_) return;
  std::string err;
  ReadWholeFile(DefaultFileIO(), sandbox_.Sub("workload.stderr"), &err);
  if (!ShowsInjectedWorkloadFailure(err)) {
    NotFired(FaultKind::kWorkloadIoError, 0, "the workload ended before that call");
    return;
  }
  Fault("io_error", fmt::format("workload {} #{} failed; BDB absorbed it and the workload went on",
                                ToString(plan_.workload_io_point), config_.io_error_nth));
  Fired(FaultKind::kWorkloadIoError, 0, "BDB absorbed the failure and the workload went on");
}

Status Trial::RunStep(const Step& step) {
  switch (step.action) {
    case Step::Action::kWaitTxns:
      return WaitTxns(step.txns);
    case Step::Action::kBackup:
      return Backup(step);
    case Step::Action::kArchive:
      return Archive();
    case Step::Action::kCrash:
      return Crash(step);
    case Step::Action::kPowerLoss:
      return PowerLoss(step.power_loss_mode);
    case Step::Action::kRestoreCheck:
      return RestoreCheck(step);
    case Step::Action::kRecoverCheck:
      return RecoverCheck();
    case Step::Action::kPromoteStandby:
      return PromoteStandby();
    case Step::Action::kQuiesce:
      return Quiesce();
    case Step::Action::kResume:
      return Resume();
    case Step::Action::kWorkloadDone:
      return WaitDone();
    case Step::Action::kExpire:
      return Expire(step);
  }
  return Status::OK();
}

}  // namespace bdb::sim::internal
