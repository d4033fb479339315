#include "simulator/harness/trial.h"

namespace bdb::sim::internal {

// The workload died on its own: a seeded crash point, or a real failure.
Status Trial::WorkloadEnded(const Status& waited) {
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
    Fault("io_error", fmt::format("workload {} #{} failed; {}", ToString(plan_.workload_io_point), config_.io_error_nth, hit));
    Fired(FaultKind::kWorkloadIoError, 0, hit);
    return Status::OK();
  }
  return Status::CheckFailed(waited.message() + " (" + info.Describe() + "; stderr: " + tail + ")");
}

Status Trial::WaitTxns(int64_t txns) {
  Status s = workload_->WaitForAcks(static_cast<uint64_t>(txns), kAckTimeout);
  if (!s.ok() && workload_->ledger().closed()) return WorkloadEnded(s);
  return s;
}

Status Trial::WaitDone() {
  Status s = workload_->WaitDone(kAckTimeout);
  if (!s.ok() && workload_->ledger().closed()) return WorkloadEnded(s);
  return s;
}

// A crash step on the workload arms its SIGKILL at the planned n-th write
// from now and keeps load on until it lands; backup/archive crashes are in
// the plan of the step they hit.
Status Trial::Crash(const Step& step) {
  if (step.target != CrashTarget::kWorkload) return Status::OK();
  const uint64_t writes = plan_.crash_after_writes.at(step_);
  armed_crash_step_ = step_;
  SetLoad(true);
  BDB_RETURN_IF_ERROR(workload_->ArmCrash(config_.crash_arm_file, writes));
  Narrate("armed: workload SIGKILL at its write #" + std::to_string(writes) + " from now");
  workload_->ledger().WaitUntil(kArmedCrashTimeout, [] { return false; });
  if (workload_->ledger().closed()) return WorkloadEnded(Status::OK());
  NotFired(FaultKind::kCrash, step_, "the workload did not reach that write in 60 s; killed instead");
  return KillWorkload();
}

// The harness kills the workload (recover_check without an earlier crash).
Status Trial::KillWorkload() {
  workload_->Kill();
  workload_dead_ = true;
  crash_cutoff_ = workload_->ledger().Cutoff();
  Fault("crash",
        "workload SIGKILLed after " + std::to_string(workload_->ledger().AckedCount()) + " acknowledged commits");
  return Status::OK();
}

// The machine loses power while the workload runs: load goes on until the
// workload has committed a little more (so writes are in flight), then the cut.
Status Trial::PowerLoss(PowerLossMode mode) {
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
Status Trial::PowerCut(int step, PowerLossMode mode, std::string* described) {
  if (config_.journal_path.empty()) return Status::InvalidArgument("power loss without a journal");
  auto it = plan_.power_cut_seed.find(step);
  if (it == plan_.power_cut_seed.end())
    return Status::InvalidArgument(fmt::format("no power cut planned at step {}", step));
  if (app_oracle_) {
    // An application's BDB writes reach the journal only through the preloaded hooks.
    JournalStats stats;
    BDB_RETURN_IF_ERROR(ReadJournalStats(config_.journal_path, &stats));
    if (std::none_of(stats.files.begin(), stats.files.end(), [](const std::string& f) { return f[0] != '/'; }))
      return Status::CheckFailed(
          "the power-loss journal holds no write of the application's environment: its Berkeley DB calls did not "
          "pass through the preloaded hooks (a statically linked libdb, or a program that sets db_env_set_func_* "
          "itself), so a power cut cannot be simulated for it");
  }
  PowerLossResult cut;
  BDB_RETURN_IF_ERROR(ApplyPowerLoss(config_.journal_path, home_, it->second, mode, sc_.bdb_names, &cut));
  power_cut_ = true;
  const std::string names =
      sc_.bdb_names == BdbNames::kDurable ? "" : std::string(", bdb_names ") + BdbNamesName(sc_.bdb_names);
  const std::string hit = std::string("mode ") + ToString(mode) + names + ": " + cut.Describe();
  Fault("power_loss", hit);
  if (described != nullptr) *described = hit;
  for (size_t i = 0; i < cut.lost_directory_changes.size() && i < 5; ++i)
    Narrate("lost by the cut: " + cut.lost_directory_changes[i]);
  if (cut.lost_directory_changes.size() > 5)
    Narrate(fmt::format("... and {} more directory changes", cut.lost_directory_changes.size() - 5));
  for (const LostRange& lost : cut.lost) {
    FaultTouch touch{"power_loss",
                     lost.file,
                     fmt::format("{} {} bytes at {}", lost.torn ? "tore" : "dropped", lost.bytes, lost.offset),
                     0,
                     {}};
    uint32_t log_number = 0;
    if (lost.torn && lost.bytes > 0 && !ParseLogFileName(BaseName(lost.file), &log_number)) {
      // The file's own page size (an application's need not be workload.page_size).
      uint64_t page_bytes = sc_.workload.page_size;
      DatabaseFileInfo info;
      const std::string path = lost.file[0] == '/' ? lost.file : JoinPath(home_, lost.file);
      if (ReadDatabaseFileInfo(DefaultFileIO(), path, &info).ok() && info.page_size > 0) page_bytes = info.page_size;
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

Status Trial::Quiesce() {
  BDB_RETURN_IF_ERROR(WriteFileAtomically(DefaultFileIO(), config_.pause_file, "pause\n", 0600));
  Status s = workload_->WaitPaused(kAckTimeout);
  if (!s.ok() && workload_->ledger().closed()) return WorkloadEnded(s);
  return s;
}

Status Trial::Resume() {
  BDB_RETURN_IF_ERROR(DefaultFileIO()->RemoveFile(config_.pause_file));
  return workload_->WaitResumed(kAckTimeout);
}

}  // namespace bdb::sim::internal
